import * as tf from '@tensorflow/tfjs-core';
import { FblError, buildModel, mlp, runStep, softmaxCrossEntropy, size, type ActivationName, type Batch, type LearningRule, type ModelSpec } from '@feedback-lab/core';
import { createOptimizer, type OptimizerName } from '@feedback-lab/trainer';

/** One contender in the speed benchmark: takes a batch, trains on it, returns the loss. */
export interface Runner {
  readonly name: string;
  step(batch: Batch): number | Promise<number>;
  dispose(): void;
}

export interface NetworkOptions {
  /** An MLP's widths, input first, classes last (hidden layers use `activation`); or: */
  arch?: readonly number[];
  /** any model (e.g. a preset's `presetSpec`), instead of `arch`. */
  spec?: ModelSpec;
  /** The MLP's hidden activation (for `arch`). */
  activation: ActivationName;
  optimizer: OptimizerName;
  lr: number;
  seed: number;
}

/** A rule from its seed alone: a catalog rule's `load()`ed factory, or a factory call. */
export type SeededRule = (o: { seed: number }) => LearningRule;

/** A feedback-lab rule training an MLP through `runStep` (the loss read asynchronously, as the trainer does). */
export function ruleRunner(name: string, factory: SeededRule, n: NetworkOptions): Runner {
  const model = n.spec
    ? buildModel(n.spec, { inputShape: n.spec.input, numClasses: networkShape(n).numClasses, seed: n.seed })
    : mlp({ arch: networkShape(n).arch!, activation: n.activation, seed: n.seed });
  const rule = factory({ seed: n.seed });
  const opt = createOptimizer({ name: n.optimizer, lr: n.lr });
  let step = 0;
  return {
    name,
    step: (batch) => runStep(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: step++ }),
    dispose() {
      rule.dispose();
      opt.dispose();
      model.dispose();
    },
  };
}

/**
 * Input size and classes of the network, and its widths when every layer is dense (the FLOP
 * model and the tfjs-layers peer need them; conv nets have none).
 */
export function networkShape(n: Pick<NetworkOptions, 'arch' | 'spec'>): { inputSize: number; numClasses: number; arch?: readonly number[] } {
  if (n.spec) {
    const last = n.spec.layers[n.spec.layers.length - 1];
    const dense = n.spec.layers.every((l) => l.type === 'dense');
    const arch = dense ? [size(n.spec.input), ...n.spec.layers.map((l) => (l.type === 'dense' ? l.units : 0))] : undefined;
    return { inputSize: size(n.spec.input), numClasses: last?.type === 'dense' ? last.units : 0, ...(arch ? { arch } : {}) };
  }
  if (!n.arch || n.arch.length < 2) throw new FblError('INVALID_OPTION', 'the speed bench needs an arch (at least two widths) or a model spec');
  return { inputSize: n.arch[0]!, numClasses: n.arch[n.arch.length - 1]!, arch: n.arch };
}
