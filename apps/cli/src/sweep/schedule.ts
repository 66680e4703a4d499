import type { TrialCell } from './cells';
import { advance, rungs } from './halving';
import { maximizes, type CellOutcome, type Objective } from './objective';
import type { TrialRun } from './results';
import type { Trial } from './sample';

/** One model × rule of a sweep: its trials' cells (one per seed) and its halving rungs. */
export interface SweepGroup {
  model: string;
  rule: string;
  trials: readonly Trial[];
  /** Cells by trial id, seeds in order, each with the final epoch count. */
  cells: ReadonlyMap<string, readonly TrialCell[]>;
  rungs: readonly number[];
}

/** Groups a sweep's cells by model × rule, with the rungs `--halving ETA` gives their epoch count. */
export function groupCells(cells: readonly TrialCell[], trials: readonly Trial[], eta: number | undefined): SweepGroup[] {
  const groups = new Map<string, TrialCell[]>();
  for (const c of cells) groups.set(`${c.config.model}/${c.config.rule}`, [...(groups.get(`${c.config.model}/${c.config.rule}`) ?? []), c]);
  return [...groups.values()].map((mine) => ({
    model: mine[0]!.config.model, rule: mine[0]!.config.rule, trials,
    cells: new Map(trials.map((t) => [t.id, mine.filter((c) => c.trial === t.id)])),
    rungs: rungs(mine[0]!.epochs, eta, trials.length),
  }));
}

export interface ScheduleOptions {
  eta?: number;
  objective: Objective;
  /** A cell's result after `epochs` epochs, from its log. */
  outcome: (cell: TrialCell, epochs: number) => CellOutcome;
  /** Whether a cell that failed at `epochs` is to run again now (--retry-failed, once per invocation). */
  retry: (cell: TrialCell, epochs: number) => boolean;
}

/** Where the whole sweep stands, replayed from the cells' logs. */
export interface SweepState {
  /** Every cell with the epochs it trains to now (its trial's current rung, or the rung it was stopped at). */
  cells: TrialCell[];
  /** Every trial of every group, with its seeds' outcomes at those epochs. */
  runs: TrialRun[];
  /** Halving's decisions so far. */
  decisions: { model: string; rule: string; epochs: number; kept: string[]; stopped: string[] }[];
}

/**
 * Replays each group's successive halving (or its single rung) from the logs: which cells train
 * to which epoch now, which trials were stopped, and each trial's outcomes. Training what
 * `cells` says and calling this again moves the sweep on; nothing else holds its state.
 */
export function schedule(groups: readonly SweepGroup[], o: ScheduleOptions): SweepState {
  const state: SweepState = { cells: [], runs: [], decisions: [] };
  for (const g of groups) {
    const seeds = (trial: string) => g.cells.get(trial)!;
    const b = advance({
      trials: g.trials.map((t) => t.id), rungs: g.rungs, eta: o.eta ?? 1, maximize: maximizes(o.objective),
      score: (trial, epochs) => {
        const values = seeds(trial).map((c) => o.outcome(c, epochs)).map((r) => (r.status === 'done' ? r.value : undefined));
        return values.every((v) => v !== undefined) ? values.reduce((a, v) => a + v, 0) / values.length : undefined;
      },
      settled: (trial, epochs) => seeds(trial).every((c) => {
        const r = o.outcome(c, epochs);
        return r.status === 'done' || ((r.status === 'diverged' || r.status === 'failed') && !o.retry(c, epochs));
      }),
    });
    state.decisions.push(...b.decisions.map((d) => ({ model: g.model, rule: g.rule, ...d })));
    for (const t of g.trials) {
      const epochs = b.target.get(t.id)!;
      const cells = seeds(t.id).map((c) => ({ ...c, epochs }));
      state.cells.push(...cells);
      state.runs.push({
        model: g.model, rule: g.rule, trial: t.id, values: t.values, epochs, stopped: b.stopped.has(t.id),
        seeds: cells.map((c) => ({ seed: c.config.seed, outcome: o.outcome(c, epochs) })),
      });
    }
  }
  return state;
}
