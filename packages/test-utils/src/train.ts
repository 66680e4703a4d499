import * as tf from '@tensorflow/tfjs-core';
import { modelVariables, softmaxCrossEntropy, stepSync, type Batch, type LearningRule, type Model, type Optimizer } from '@feedback-lab/core';
import { maxAbsDiff, snapshot } from './compare';

export interface TrainedWeightsOptions {
  /** What the rule steps on (for example a wrapper that hides a block method). */
  model: Model;
  rule: LearningRule;
  optimizer: Optimizer;
  /** One `stepSync` per batch, in order. */
  batches: readonly Batch[];
  /** The model whose variables are read and which is disposed (default `model`). */
  owner?: Model;
}

/**
 * Every variable of the model (params and batch-norm statistics, block order) after one step of
 * `rule` per batch, as plain arrays; the batches, rule, optimizer and model are disposed. For
 * oracle tests that compare two rules' weights after the same steps.
 *
 * @example
 * const w = trainedWeights({ model, rule: bp(), optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }), batches });
 */
export function trainedWeights(o: TrainedWeightsOptions): Float32Array[] {
  const owner = o.owner ?? o.model;
  o.batches.forEach((b, s) => stepSync(o.rule, o.model, b, o.optimizer, { loss: softmaxCrossEntropy, step: s }).dispose());
  const w = snapshot(modelVariables(owner));
  tf.dispose(o.batches.flatMap((b) => [b.x, b.y]));
  o.rule.dispose();
  o.optimizer.dispose();
  owner.dispose();
  return w;
}

/** Largest |a − b| over two lists of equally shaped arrays (two `trainedWeights`). */
export function worstDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  if (a.length !== b.length) throw new Error(`${a.length} arrays vs ${b.length}`);
  return Math.max(0, ...a.map((w, i) => maxAbsDiff(w, b[i]!)));
}
