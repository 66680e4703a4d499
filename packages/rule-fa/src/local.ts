import * as tf from '@tensorflow/tfjs-core';
import type { Block } from '@feedback-lab/core';

/** Parameter gradients of `block` at `input` for upstream gradient `g` at its output. */
export function localParamGrads(block: Block, input: tf.Tensor, g: tf.Tensor): tf.NamedTensorMap {
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(block.forward(input), g)), block.params as tf.Variable[]);
  value.dispose();
  return grads;
}

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
      return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(block.apply(x, feedback), g)))(input);
    }
    const post = (z: tf.Tensor) => block.postActivation!(z);
    // A linear tail returns its input unchanged, which tf.grad cannot differentiate.
    const delta = post(pre) === pre ? g : tf.grad(post)(pre, g);
    return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(block.preActivation!(x, feedback), delta)))(input);
  });
}
