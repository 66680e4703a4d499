import * as tf from '@tensorflow/tfjs-core';
import type { Block } from '@feedback-lab/core';

/**
 * One block's forward step and its local update in one go: the parameter gradients when the
 * signal arrives at the block's output and is backpropagated through the block only, plus the
 * output (computed with the current, pre-update weights) for the next block.
 *
 * `signal` is either a tensor known before the forward (DRTP's B_i·y*) or a function of the
 * block's output (the last block's true error e = ∂L/∂logits). The function receives a copy
 * of the output that is unknown to the tape, so no gradient flows through e itself; the copy
 * costs a [batch, n_out] read, trivial next to a matmul. Caller owns `grads` and `output`.
 */
export function forwardWithGrads(
  block: Block, input: tf.Tensor, signal: tf.Tensor | ((output: tf.Tensor) => tf.Tensor),
): { grads: tf.NamedTensorMap; output: tf.Tensor } {
  let output: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const h = block.forward(input);
    output = tf.keep(h);
    const s = signal instanceof tf.Tensor ? signal : signal(tf.tensor(h.dataSync(), h.shape, h.dtype));
    return tf.sum(tf.mul(h, s));
  }, block.params as tf.Variable[]);
  value.dispose();
  return { grads, output: output! };
}
