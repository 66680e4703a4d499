import * as tf from '@tensorflow/tfjs-core';
import { mlp, softmaxCrossEntropy, type ActivationName, type Batch, type LearningRule } from '@feedback-lab/core';
import { createOptimizer, type OptimizerName } from '@feedback-lab/trainer';

/** One contender in the speed benchmark: takes a batch, trains on it, returns the loss. */
export interface Runner {
  readonly name: string;
  step(batch: Batch): number | Promise<number>;
  dispose(): void;
}

export interface NetworkOptions {
  arch: readonly number[];
  activation: ActivationName;
  optimizer: OptimizerName;
  lr: number;
  seed: number;
}

/** A rule from its seed alone: a catalog rule's `load()`ed factory, or a factory call. */
export type SeededRule = (o: { seed: number }) => LearningRule;

/** A feedback-lab rule training an MLP through `rule.step`, as the trainer does. */
export function ruleRunner(name: string, factory: SeededRule, n: NetworkOptions): Runner {
  const model = mlp({ arch: n.arch, activation: n.activation, seed: n.seed });
  const rule = factory({ seed: n.seed });
  const opt = createOptimizer({ name: n.optimizer, lr: n.lr });
  let step = 0;
  return {
    name,
    step: (batch) => rule.step(model, batch, opt, { loss: softmaxCrossEntropy, step: step++ }),
    dispose() {
      rule.dispose();
      opt.dispose();
      model.dispose();
    },
  };
}
