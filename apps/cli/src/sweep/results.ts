import { meanStd } from '../bench/accuracy-table';
import type { CellOutcome } from './objective';
import type { ParamValue } from './space';

/** Where a trial stands: trained to the end, stopped by halving, diverged (a result), failed otherwise, or not yet trained. */
export type TrialStatus = 'done' | 'stopped' | 'diverged' | 'failed' | 'unfinished';

/** One trial on one model × rule. */
interface TrialOf {
  model: string;
  rule: string;
  trial: string;
  values: Record<string, ParamValue>;
  /** Epochs it trains to: the final count, or the rung it was stopped at. */
  epochs: number;
}

/** One trial on one model × rule, over its seeds. */
export interface TrialResult extends TrialOf {
  status: TrialStatus;
  /** Objective mean ± sample sd over the seeds that reached `epochs`, and how many did. */
  objective?: { mean: number; sd: number; n: number };
  seeds: number;
  /** Seeds that diverged, and where (the step and epoch of the trainer's error line). */
  diverged: { seed: number; step: number; epoch: number }[];
  /** Other failures' error lines (those a rerun retries included). */
  errors: string[];
  /** 1 for the best trial of its model. */
  rank?: number;
}

/** A trial's cells (one per seed) and their outcomes at the trial's epochs. */
export interface TrialRun extends TrialOf {
  stopped: boolean;
  seeds: { seed: number; outcome: CellOutcome }[];
}

/** Summarises a trial's seeds: the objective's mean ± sd and the trial's status. */
export function summarizeTrial(t: TrialRun): TrialResult {
  const values = t.seeds.flatMap((s) => (s.outcome.status === 'done' ? [s.outcome.value] : []));
  const diverged = t.seeds.flatMap((s) => (s.outcome.status === 'diverged' ? [{ seed: s.seed, step: s.outcome.step, epoch: s.outcome.epoch }] : []));
  // A seed open again after an error (a rerun retries it) shows that error until it trains.
  const errors = t.seeds.flatMap((s) => (s.outcome.status === 'failed' || (s.outcome.status === 'open' && s.outcome.error) ? [s.outcome.error!] : []));
  const status: TrialStatus = diverged.length ? 'diverged' : errors.length ? 'failed' : t.seeds.some((s) => s.outcome.status === 'open') ? 'unfinished' : t.stopped ? 'stopped' : 'done';
  const stat = values.length ? meanStd(values) : undefined;
  const { stopped: _stopped, seeds: _seeds, ...trial } = t;
  return {
    ...trial, status, seeds: t.seeds.length, diverged, errors,
    ...(stat ? { objective: { mean: stat.mean, sd: stat.std, n: values.length } } : {}),
  };
}

const TIER: Record<TrialStatus, number> = { done: 0, stopped: 1, diverged: 2, failed: 3, unfinished: 4 };

/**
 * Ranks the trials of each model: finished trials by their objective first, then those halving
 * stopped (the later the rung, the higher), then diverged, failed and unfinished ones. Returns
 * them in that order, model by model, each with its rank within its model.
 */
export function rankTrials(results: readonly TrialResult[], maximize: boolean): TrialResult[] {
  const score = (r: TrialResult) => (r.objective ? (maximize ? -r.objective.mean : r.objective.mean) : Infinity);
  const models = [...new Set(results.map((r) => r.model))];
  return models.flatMap((model) => results.filter((r) => r.model === model)
    .sort((a, b) => TIER[a.status] - TIER[b.status] || (a.status === 'stopped' ? b.epochs - a.epochs : 0) || score(a) - score(b) || a.rule.localeCompare(b.rule) || a.trial.localeCompare(b.trial))
    .map((r, i) => ({ ...r, rank: i + 1 })));
}

/** The best finished trial of each model × rule (`by: 'rule'`) or of each model, from a ranking. */
export function best(ranked: readonly TrialResult[], by: 'rule' | 'model'): TrialResult[] {
  const seen = new Set<string>();
  return ranked.filter((r) => {
    const key = by === 'rule' ? `${r.model}/${r.rule}` : r.model;
    if (r.status !== 'done' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** "done", "stopped at epoch 1", "diverged (s2 at step 40)", "failed: …", "unfinished". */
export function statusLabel(r: TrialResult): string {
  if (r.status === 'stopped') return `stopped at epoch ${r.epochs}`;
  if (r.status === 'diverged') return `diverged (${r.diverged.map((d) => `s${d.seed} at step ${d.step}`).join(', ')})`;
  if (r.status === 'failed') return `failed: ${r.errors[0]}`;
  return r.status;
}
