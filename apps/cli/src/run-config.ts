import type { Dataset, LearningRule, Model, ModelSpec, Optimizer } from '@feedback-lab/core';
import { generatorByName } from '@feedback-lab/feedback';
import { DEFAULT_HEAP_LIMIT, checkMemoryBudget, isModelled, predictMemory } from '@feedback-lab/profiler';
import { createOptimizer, type OptimizerName } from '@feedback-lab/trainer';
import { openDataset } from './datasets';
import { buildChosenModel } from './model-choice';
import { checkModelFits } from './model-size';
import { RULES, type RuleName } from './registry';

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
  /** The dataset's per-sample shape and class count, so export needs no data. */
  data: { inputShape: number[]; numClasses: number };
  optimizer: string;
  lr: number;
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
}

/** Options that change the numbers; `epochs` may grow on resume (data order is per epoch). */
export const RESULT_KEYS = [
  'rule', 'dataset', 'data-dir', 'normalize', 'arch', 'activation', 'preset', 'model', 'optimizer', 'lr', 'batch-size', 'seed',
  'limit', 'backend', 'feedback', 'feedback-scale', 'feedback-mode', 'feedback-conv',
] as const;

export interface Run {
  dataset: Dataset;
  model: Model;
  rule: LearningRule;
  optimizer: Optimizer;
  dispose(): void;
}

/** Opens the config's dataset (async: fashion-mnist and cifar10 may read caches). */
export function openRunDataset(c: RunConfig, log?: (line: string) => void): Promise<Dataset> {
  return openDataset(c.dataset, { dataDir: c['data-dir'], seed: c.seed, normalize: c.normalize, log });
}

/**
 * Builds model, rule and optimizer from a config for `dataset`; everything seeded from it. The
 * model's size is checked against `limitBytes` first, from its spec alone.
 */
export function buildRun(c: RunConfig, dataset: Dataset, limitBytes = DEFAULT_HEAP_LIMIT): Run {
  checkModelFits(c.spec, c.optimizer, limitBytes);
  const model = buildChosenModel(c.spec, dataset, c.seed);
  const scale = c['feedback-scale'];
  const generator = c.feedback ? generatorByName(c.feedback, { scale, seed: c.seed }) : undefined;
  const rule = RULES[c.rule as RuleName]({ seed: c.seed, generator, scale, feedback: c['feedback-mode'], convScaling: c['feedback-conv'] });
  const optimizer = createOptimizer({ name: c.optimizer as OptimizerName, lr: c.lr });
  return {
    dataset, model, rule, optimizer,
    dispose() {
      rule.dispose();
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** The memory model's input for a run of a modelled rule (MLPs and conv nets); undefined otherwise. */
function memoryInput(c: RunConfig) {
  if (!isModelled(c.rule)) return undefined;
  return { spec: c.spec, batchSize: c['batch-size'], rule: c.rule, optimizer: c.optimizer as OptimizerName, feedback: c['feedback-mode'] };
}

/** The memory model's transient bytes for one step, for modelled rules. */
export function predictedStepBytes(c: RunConfig): number | undefined {
  const input = memoryInput(c);
  return input && predictMemory(input).peakTransientBytes;
}

/** The memory model's up-front refusal of a run whose predicted peak is over the budget. */
export function checkPredictedBudget(c: RunConfig, budgetBytes: number): void {
  const input = memoryInput(c);
  if (input) checkMemoryBudget(input, budgetBytes);
}
