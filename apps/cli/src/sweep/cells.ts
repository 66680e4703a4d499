import { join } from 'node:path';
import { UsageError } from '../args';
import { validateCellConfig } from '../reproduce/cell-config';
import { planCells, type Cell, type CellConfig, type PlanOptions } from '../reproduce/plan';
import type { Trial } from './sample';
import { notTakenBy, type FIELD_OPTIONS, type ParamValue } from './space';

/** A cell of a sweep: one trial on one model × rule × seed, in `<out>/cells/<model>-<rule>-<trial>-s<seed>`. */
export interface TrialCell extends Cell {
  trial: string;
}

const FIELDS: Record<(typeof FIELD_OPTIONS)[number], keyof CellConfig> = {
  optimizer: 'optimizer', lr: 'lr', 'lr-decay-steps': 'lrDecaySteps', 'batch-size': 'batchSize',
  'feedback-scale': 'feedbackScale', feedback: 'feedback', 'feedback-conv': 'feedbackConv', normalize: 'normalize',
};

/**
 * A trial's settings on one model × rule × seed: the preset's and the rule's defaults (as
 * planCells reads them) with the trial's values over them; options without a CellConfig field
 * go into `options`. Values `fbl train` could not be told are refused.
 */
export function trialConfig(base: CellConfig, values: Readonly<Record<string, ParamValue>>): CellConfig {
  const c: Record<string, unknown> = { ...base };
  const options: Record<string, ParamValue> = {};
  for (const name of Object.keys(values).sort()) {
    if (notTakenBy(base.rule, name)) continue; // the sweep says so when it starts
    const field = FIELDS[name as keyof typeof FIELDS];
    if (field) c[field] = values[name];
    else options[name] = values[name]!;
  }
  const where = `${base.model} ${base.rule}`;
  // trainArgs leaves out an unset --normalize, and fbl train has no switch to turn it off.
  if (c.normalize === false) {
    if (base.normalize) throw new UsageError(`normalize false cannot be swept on ${where}: the preset standardises its inputs and fbl train has no switch to turn that off`);
    delete c.normalize;
  }
  if (Object.keys(options).length) c.options = options;
  return c as unknown as CellConfig;
}

/**
 * Every cell of a sweep, model by model, rule by rule, trial by trial, seed by seed, each
 * config checked by validateCellConfig (a UsageError naming the trial), before anything trains.
 */
export function trialCells(plan: PlanOptions, trials: readonly Trial[]): TrialCell[] {
  const base = planCells(plan);
  const group = (c: Cell) => `${c.config.model}/${c.config.rule}`;
  const order = [...new Set(base.map(group))];
  const cells = base.flatMap((b) => trials.map((t): TrialCell => {
    const id = `${b.config.model}-${b.config.rule}-${t.id}-s${b.config.seed}`;
    let config: CellConfig;
    try {
      config = validateCellConfig(trialConfig(b.config, t.values), { allowDataDir: true });
    } catch (err) {
      throw err instanceof UsageError ? new UsageError(`trial ${t.id} (${Object.entries(t.values).map(([k, v]) => `${k}=${v}`).join(' ')}): ${err.message}`) : err;
    }
    return { id, dir: join(plan.out, 'cells', id), config, epochs: b.epochs, trial: t.id };
  }));
  // Stable: seeds stay in their order within a trial.
  return cells.sort((a, b) => order.indexOf(group(a)) - order.indexOf(group(b)) || a.trial.localeCompare(b.trial));
}
