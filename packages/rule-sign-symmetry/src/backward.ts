import * as tf from '@tensorflow/tfjs-core';
import { paramGrads, type Block } from '@feedback-lab/core';

/** What the forward pass keeps of one block for the backward pass. */
export interface Saved {
  input: tf.Tensor;
  /** Pre-activation, when the block splits into `preActivation` + `postActivation`. */
  pre?: tf.Tensor;
}

/**
 * Backward step through one block for upstream gradient `g` at its output: the parameter
 * gradients (true weights, true pre-activation) and, unless `feedback` is omitted, the signal
 * for the block below, with `feedback` in place of the weights of the parametrised op only —
 * the activation's derivative is still taken at the true pre-activation. Blocks without the
 * pre/post split fall back to `apply(x, feedback)`, exact only for a linear tail.
 */
export function backward(
  block: Block, saved: Saved, g: tf.Tensor, feedback?: readonly tf.Tensor[],
): { grads: tf.NamedTensorMap; dx?: tf.Tensor } {
  const { input, pre } = saved;
  const split = pre && block.preActivation && block.postActivation;
  // δ = g ⊙ tail′(pre): a linear tail returns its input, which tf.grad cannot differentiate.
  const delta = split ? tf.tidy(() => (block.postActivation!(pre) === pre ? g.clone() : tf.grad(block.postActivation!)(pre, g))) : undefined;
  // Both products are seeded with their upstream gradient as dy (core's paramGrads, tf.grad's
  // dy): the gradients of Σ f(x)⊙dy, bit for bit, without that sum's kernels.
  const { grads, value } = split
    ? paramGrads(() => block.preActivation!(input, block.params), block.params, delta!)
    : paramGrads(() => block.forward(input), block.params, g);
  value.dispose();
  const dx = !feedback ? undefined : tf.tidy(() => split
    ? tf.grad((x: tf.Tensor) => block.preActivation!(x, feedback))(input, delta!)
    : tf.grad((x: tf.Tensor) => block.apply(x, feedback))(input, g));
  delta?.dispose();
  return dx ? { grads, dx } : { grads };
}
