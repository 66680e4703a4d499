import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Block, Model, StepContext } from '@feedback-lab/core';

/** Whether every block can carry FA's backward pass on one tape (`applyWithFeedback`). */
export function canFuse(blocks: readonly Block[]): boolean {
  return blocks.every((b) => !!b.applyWithFeedback);
}

/**
 * FA's step as one BP-like tape: each block past the first runs `applyWithFeedback`, whose
 * input gradient goes through its feedback B while its parameter gradients stay local, so
 * autodiff yields exactly FA's updates with BP's matmul count (no block is recomputed).
 * Returns the gradients by variable name and the loss; the caller applies and frees them.
 */
export function fusedGrads(
  model: Model, batch: Batch, ctx: StepContext, feedbackFor: (block: Block, index: number) => readonly tf.Tensor[],
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
