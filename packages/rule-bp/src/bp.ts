import * as tf from '@tensorflow/tfjs-core';
import type { LearningRule, Model, Batch, StepContext } from '@feedback-lab/core';

/** BP has no options; the type exists so every rule factory has the same shape. */
export type BpOptions = Record<string, never>;

/**
 * Backpropagation (Rumelhart, Hinton & Williams 1986): the exact gradient of the batch loss,
 * chained through every block's transposed weights by tfjs autodiff, applied in one update.
 * All L blocks' activations are alive at the peak, which is the memory the other rules save.
 *
 * @example
 * const rule = bp();
 * const loss = rule.step(model, batch, tf.train.sgd(0.1), { loss: softmaxCrossEntropy, step: 0 });
 */
export function bp(_opts: BpOptions = {}): LearningRule {
  return {
    name: 'bp',
    step(model: Model, batch: Batch, opt: tf.Optimizer, ctx: StepContext): number {
      const params = model.blocks.flatMap((b) => b.params);
      const { value, grads } = tf.variableGrads(() => {
        ctx.mark?.('forward');
        const logits = model.forward(batch.x);
        ctx.mark?.('loss');
        return ctx.loss.value(logits, batch.y);
      }, params);
      ctx.mark?.('update');
      opt.applyGradients(grads);
      const loss = value.dataSync()[0]!;
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    },
    dispose() {},
  };
}
