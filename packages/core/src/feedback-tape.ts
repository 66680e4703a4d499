import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Block, FeedbackWeight, Model, StepContext } from './types';

/** Whether every block can carry a feedback backward pass on one tape (`applyWithFeedback`). */
export function canUseFeedbackTape(blocks: readonly Block[]): boolean {
  return blocks.every((b) => !!b.applyWithFeedback);
}

/**
 * A backward pass that sends the error through feedback weights instead of the forward
 * weights, as one BP-like tape: each block past the first runs `applyWithFeedback`, whose input
 * gradient goes through its feedback while its parameter gradients stay local, so autodiff
 * yields exactly the feedback rule's updates with BP's matmul count (no block is recomputed).
 * FA passes fixed random B (as functions when regenerated: each is made when the backward pass
 * reaches its block and freed after it); sign-symmetry passes sign(W) likewise. Returns the gradients by variable
 * name and the loss; the caller applies and frees them.
 */
export function gradsWithFeedback(
  model: Model, batch: Batch, ctx: StepContext, feedbackFor: (block: Block, index: number) => readonly FeedbackWeight[],
): { grads: tf.NamedTensorMap; loss: tf.Scalar } {
  const blocks = model.blocks;
  const { value, grads } = tf.variableGrads(() => {
    ctx.mark?.('forward');
    // the first block's input gradient is never needed, so it runs its plain forward
    const logits = blocks.reduce<tf.Tensor>(
      (h, b, i) => (i === 0 ? b.forward(h) : b.applyWithFeedback!(h, b.params, feedbackFor(b, i))),
      batch.x,
    );
    ctx.mark?.('error');
    return ctx.loss.value(logits, batch.y);
  }, blocks.flatMap((b) => b.params));
  return { grads, loss: value };
}
