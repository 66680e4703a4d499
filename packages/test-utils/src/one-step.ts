import * as tf from '@tensorflow/tfjs-core';
import { createOptimizer, mlp, softmaxCrossEntropy, stepSync, type BackendName, type LearningRule } from '@feedback-lab/core';
import { useBackend } from './backends';
import { randomBatch } from './batch';
import { snapshot } from './compare';

/** What one step of a rule did to a seeded MLP, for an oracle to check. */
export interface OneStep {
  /** Every parameter (W_1, b_1, W_2, …) before and after the step. */
  before: Float32Array[];
  after: Float32Array[];
  /** The batch, row-major. */
  x: Float32Array;
  y: Float32Array;
  /** Tensors left on the backend after the rule, model and batch are disposed. */
  leaked: number;
}

/**
 * One SGD step (lr 1) of `rule` at global step `step` (default 0) on an MLP of `arch` (seed 5)
 * and a random batch of `batch` samples (seed 3), on `backend`; the rule is disposed after it.
 */
export async function oneSgdStep(o: {
  rule: LearningRule; arch: readonly number[]; activation: 'tanh' | 'relu'; backend: BackendName; batch: number; step?: number;
}): Promise<OneStep> {
  await useBackend(o.backend);
  const start = tf.memory().numTensors;
  const model = mlp({ arch: [...o.arch], activation: o.activation, seed: 5 });
  const batch = randomBatch(o.batch, o.arch[0]!, o.arch[o.arch.length - 1]!, 3);
  const params = model.blocks.flatMap((b) => b.params);
  const before = snapshot(params);
  const opt = createOptimizer({ name: 'sgd', lr: 1 });
  stepSync(o.rule, model, batch, opt, { loss: softmaxCrossEntropy, step: o.step ?? 0 }).dispose();
  const out = { before, after: snapshot(params), x: Float32Array.from(batch.x.dataSync()), y: Float32Array.from(batch.y.dataSync()) };
  o.rule.dispose();
  opt.dispose();
  model.dispose();
  tf.dispose([batch.x, batch.y]);
  return { ...out, leaked: tf.memory().numTensors - start };
}

/**
 * Per layer (a weight and its bias), the largest |moved + expected| (an SGD step at lr 1 moves
 * each parameter by −its gradient) and the largest |moved|, so a test sees the update was not
 * vanishingly small.
 */
export function layerDiffs(s: OneStep, expected: readonly ArrayLike<number>[]): { diffs: number[]; sizes: number[] } {
  const worst = (f: (moved: number, i: number, j: number) => number) => Array.from({ length: s.before.length / 2 }, (_, l) =>
    Math.max(...[2 * l, 2 * l + 1].flatMap((i) => Array.from(s.after[i]!, (v, j) => f(v - s.before[i]![j]!, i, j)))));
  return { diffs: worst((m, i, j) => Math.abs(m + expected[i]![j]!)), sizes: worst(Math.abs) };
}
