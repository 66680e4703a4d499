import * as tf from '@tensorflow/tfjs-core';
import type { BlockUpdate, LearningRule } from '@feedback-lab/core';

/**
 * A rule that updates nothing and reports `lossAt(step)` as its loss: for testing what the
 * trainer does with a loss (divergence, explosions) without training a network.
 */
export function scriptedRule(name: string, lossAt: (step: number) => number): LearningRule {
  return {
    name,
    *updates(_model, _batch, ctx): Generator<BlockUpdate, tf.Scalar> {
      yield* [];
      return tf.scalar(lossAt(ctx.step));
    },
    dispose() {},
  };
}
