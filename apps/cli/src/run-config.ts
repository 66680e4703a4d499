import * as tf from '@tensorflow/tfjs-core';
import { mlp, parseArch, size, type ActivationName, type Dataset, type LearningRule, type Model } from '@feedback-lab/core';
import type { ExportSpec } from '@feedback-lab/checkpoint';
import { generatorByName } from '@feedback-lab/feedback';
import { MODELLED_RULES, predictMemory } from '@feedback-lab/profiler';
import { createOptimizer, type OptimizerName } from '@feedback-lab/trainer';
import { UsageError } from './args';
import { openDataset } from './datasets';
import { RULES, type RuleName } from './registry';

/**
 * Everything that decides a run's result. It is stored in every checkpoint, and a resumed run
 * must match it exactly (see RESULT_KEYS).
 */
export interface RunConfig {
  rule: string;
  dataset: string;
  'data-dir'?: string;
  arch: string;
  activation: string;
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
}

/** Config keys that change the numbers; `epochs` may grow on resume (data order is per epoch). */
export const RESULT_KEYS = ['rule', 'dataset', 'data-dir', 'arch', 'activation', 'optimizer', 'lr', 'batch-size', 'seed', 'limit', 'backend', 'feedback', 'feedback-scale'] as const;

export interface Run {
  dataset: Dataset;
  model: Model;
  rule: LearningRule;
  optimizer: tf.Optimizer;
  dispose(): void;
}

/** Builds dataset, model, rule and optimizer from a config; everything seeded from it. */
export function buildRun(c: RunConfig): Run {
  const dataset = openDataset(c.dataset, { dataDir: c['data-dir'], seed: c.seed });
  const arch = parseArch(c.arch);
  const inputSize = size(dataset.inputShape);
  if (arch[0] !== inputSize || arch[arch.length - 1] !== dataset.numClasses) {
    throw new UsageError(`--arch ${c.arch} does not fit ${dataset.name}: it must start with ${inputSize} (inputs) and end with ${dataset.numClasses} (classes)`);
  }
  const model = mlp({ arch, activation: c.activation as ActivationName, seed: c.seed });
  const scale = c['feedback-scale'];
  const generator = c.feedback ? generatorByName(c.feedback, { scale, seed: c.seed }) : undefined;
  const rule = RULES[c.rule as RuleName]({ seed: c.seed, generator, scale });
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

/** The model of a config as a layer list, for export. */
export function exportSpecOf(c: RunConfig): ExportSpec {
  const arch = parseArch(c.arch);
  return {
    name: `fbl_${c.rule}_${c.arch}`,
    input: [arch[0]!],
    layers: arch.slice(1).map((units, i) => ({
      type: 'dense' as const, units, activation: i === arch.length - 2 ? 'linear' : c.activation,
    })),
  };
}

/** The memory model's transient bytes for one step of this config, if it models the rule. */
export function predictedStepBytes(c: RunConfig): number | undefined {
  if (!(MODELLED_RULES as readonly string[]).includes(c.rule)) return undefined;
  return predictMemory({ arch: parseArch(c.arch), batchSize: c['batch-size'], rule: c.rule, optimizer: c.optimizer as OptimizerName }).peakTransientBytes;
}
