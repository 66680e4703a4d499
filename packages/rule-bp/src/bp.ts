import * as tf from '@tensorflow/tfjs-core';
import type { LearningRule, Model, Batch, StepContext, BlockUpdate } from '@feedback-lab/core';

/** BP has no options; the type exists so every rule factory has the same shape. */
export type BpOptions = Record<string, never>;

/**
 * Backpropagation (Rumelhart, Hinton & Williams 1986): the exact gradient of the batch loss,
 * chained through every block's transposed weights by tfjs autodiff, applied in one update.
 * All L blocks' activations are alive at the peak, which is the memory the other rules save.
 *
 * @example
 * const loss = await runStep(bp(), model, batch, createOptimizer({ name: 'sgd', lr: 0.1 }), { loss: softmaxCrossEntropy, step: 0 });
 */
export function bp(_opts: BpOptions = {}): LearningRule {
  return {
    name: 'bp',
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
      const params = model.blocks.flatMap((b) => b.params);
      const { value, grads } = tf.variableGrads(() => {
        ctx.mark?.('forward');
        const logits = model.forward(batch.x);
        ctx.mark?.('loss');
        return ctx.loss.value(logits, batch.y);
      }, params);
      ctx.mark?.('update');
      yield { block: 'all', grads };
      return value;
    },
    dispose() {},
  };
}
