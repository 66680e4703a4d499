import * as tf from '@tensorflow/tfjs-core';
import type { Block } from '@feedback-lab/core';

/** Whether FA can take the tail's derivative at the true pre-activation for this block. */
export function hasSplit(block: Block): boolean {
  return !!block.preActivation && !!block.postActivation;
}

/**
 * The signal FA sends below `block`: upstream `g` backpropagated through the block's
 * non-parametric tail at its true pre-activation `pre` (from the forward pass), then through
 * the parametrised op with `feedback` in place of the block's weights. Blocks without the
 * pre/post split fall back to `apply(x, feedback)`, exact only when the tail is linear.
 */
export function inputGrad(
  block: Block, input: tf.Tensor, pre: tf.Tensor | undefined, g: tf.Tensor, feedback: readonly tf.Tensor[],
): tf.Tensor {
  return tf.tidy(() => {
    if (!pre || !hasSplit(block)) {
      return tf.grad((x: tf.Tensor) => block.apply(x, feedback))(input, g);
    }
    const post = (z: tf.Tensor) => block.postActivation!(z);
    // A linear tail returns its input unchanged, which tf.grad cannot differentiate.
    const delta = post(pre) === pre ? g : tf.grad(post)(pre, g);
    return tf.grad((x: tf.Tensor) => block.preActivation!(x, feedback))(input, delta);
  });
}
