import { FblError, type Dataset, type LearningRule, type Model, type ModelSpec, type Optimizer } from '@feedback-lab/core';
import { normalizationOf } from '@feedback-lab/datasets';
import { DEFAULT_HEAP_LIMIT, checkMemoryBudget, predictMemory } from '@feedback-lab/profiler';
import { RULES, ruleByName } from '@feedback-lab/rules';
import { createOptimizer, type OptimizerName } from '@feedback-lab/trainer';
import { openDataset } from './datasets';
import { buildChosenModel } from './model-choice';
import { checkModelFits } from './model-size';
import { RULE_FLAGS, ruleValues } from './rule-options';

/**
 * Everything that decides a run's result. It is stored in every checkpoint, and a resumed run
 * must match it (see RESULT_KEYS). `spec` is the resolved model (from --arch, --preset or
 * --model), so a checkpoint does not depend on a model file that may change later.
 */
export interface RunConfig {
  rule: string;
  dataset: string;
  'data-dir'?: string;
  normalize?: boolean;
  arch?: string;
  activation?: string;
  preset?: string;
  model?: string;
  spec: ModelSpec;
  /**
   * The dataset's per-sample shape and class count, so export needs no data; with --normalize,
   * the per-channel mean and std (of [0, 1]-scaled values) its inputs were standardised with,
   * which export builds into the model. Checkpoints from before it was recorded lack it.
   */
  data: RunData;
  optimizer: string;
  lr: number;
  /** Inverse-time learning-rate decay: lr / (1 + step / N). */
  'lr-decay-steps'?: number;
  'batch-size': number;
  epochs: number;
  seed: number;
  limit?: number;
  backend: string;
  /** Feedback-matrix generator and scale for the random-feedback rules. */
  feedback?: string;
  'feedback-scale'?: number;
  /** fa/dfa/mem-dfa/drtp: keep the feedback matrices or regenerate them (same values either way). */
  'feedback-mode'?: 'stored' | 'regenerate';
  /** dfa/mem-dfa: `positions` divides a conv block's signal by √(its positions). */
  'feedback-conv'?: 'none' | 'positions';
  /** The other rule flags (the catalog's: --drtp-schedule, --batch-manhattan, ...). */
  [ruleFlag: string]: unknown;
}

export interface RunData {
  inputShape: number[];
  numClasses: number;
  normalization?: { mean: number[]; std: number[] };
}

/** What a run's config records of its dataset (`data`). */
export function runData(dataset: Dataset): RunData {
  const n = normalizationOf(dataset);
  return { inputShape: [...dataset.inputShape], numClasses: dataset.numClasses, ...(n ? { normalization: { mean: [...n.mean], std: [...n.std] } } : {}) };
}

/** Options that change the numbers; `epochs` may grow on resume (data order is per epoch). */
export const RESULT_KEYS: readonly string[] = [
  'rule', 'dataset', 'data-dir', 'normalize', 'arch', 'activation', 'preset', 'model', 'optimizer', 'lr', 'lr-decay-steps', 'batch-size', 'seed',
  'limit', 'backend', ...RULE_FLAGS,
];

export interface Run {
  dataset: Dataset;
  model: Model;
  rule: LearningRule;
  optimizer: Optimizer;
  dispose(): void;
}

/**
 * Opens the config's dataset (async: fashion-mnist and cifar10 may read caches). Where the config
 * records the normalisation statistics, the data must give the same ones: other data (a changed
 * file at --data-dir) would be standardised otherwise than the model was trained on.
 */
export async function openRunDataset(c: RunConfig, log?: (line: string) => void): Promise<Dataset> {
  const dataset = await openDataset(c.dataset, { dataDir: c['data-dir'], seed: c.seed, normalize: c.normalize, log });
  const want = c.data.normalization;
  const got = normalizationOf(dataset);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= 1e-6 * Math.abs(v));
  if (want && !(got && same(want.mean, got.mean) && same(want.std, got.std))) {
    const where = c['data-dir'] ? ` at ${c['data-dir']}` : '';
    const stats = (n?: { mean: readonly number[]; std: readonly number[] }) => (n ? `mean [${n.mean.map((v) => v.toFixed(4))}], std [${n.std.map((v) => v.toFixed(4))}]` : 'none');
    throw new FblError('DATA_FORMAT', `${c.dataset}${where} is not the data the run was trained on: its normalisation statistics are ${stats(got)}, the checkpoint's ${stats(want)}; use the run's data`);
  }
  return dataset;
}

/**
 * Builds model, rule and optimizer from a config for `dataset`; everything seeded from it. The
 * model's size is checked against `limitBytes` first, from its spec alone. The rule gets the
 * rule flags it declares (its descriptor's options) and the seed.
 */
export async function buildRun(c: RunConfig, dataset: Dataset, limitBytes = DEFAULT_HEAP_LIMIT): Promise<Run> {
  checkModelFits(c.spec, c.optimizer, limitBytes);
  const create = await ruleByName(c.rule).load();
  const model = buildChosenModel(c.spec, dataset, c.seed);
  const rule = create(ruleValues(c, c.seed));
  const optimizer = createOptimizer({ name: c.optimizer as OptimizerName, lr: c.lr, decaySteps: c['lr-decay-steps'] });
  return {
    dataset, model, rule, optimizer,
    dispose() {
      rule.dispose();
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** The memory model's input for a run (MLPs and conv nets): the rule's descriptor has the formula. */
function memoryInput(c: RunConfig) {
  return { spec: c.spec, batchSize: c['batch-size'], rule: ruleByName(c.rule), optimizer: c.optimizer as OptimizerName, feedback: c['feedback-mode'] };
}

/** The memory model's transient bytes for one step. */
export function predictedStepBytes(c: RunConfig): number {
  return predictMemory(memoryInput(c)).peakTransientBytes;
}

/** The memory model's up-front refusal of a run whose predicted peak is over the budget. */
export function checkPredictedBudget(c: RunConfig, budgetBytes: number): void {
  checkMemoryBudget(memoryInput(c), budgetBytes, RULES);
}
