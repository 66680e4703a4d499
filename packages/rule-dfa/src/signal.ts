import * as tf from '@tensorflow/tfjs-core';
import type { Block } from '@feedback-lab/core';
import type { FeedbackBank } from './feedback-bank';

/**
 * How a conv block's signal is scaled beyond its B: `none` (default), or `positions`, which
 * divides it by √P for a block whose output has P = height·width positions per channel. A conv
 * filter sums its update over all P positions, and under DFA the part of each position's signal
 * that does not reduce the loss adds up coherently there (inputs after a relu are all positive);
 * measured on cifar-conv, this is what drives the conv blocks' activations up (see README).
 */
export type ConvScaling = 'none' | 'positions';

/**
 * DFA's signal for block `index` of `blocks`: B_i·e reshaped to the block's output, with B_i of
 * shape [n_out, prod(outputShape)] (conv outputs are flattened), scaled per `conv` for conv
 * blocks. The last block gets the true error e. The caller owns the returned tensor.
 */
export function dfaSignal(
  e: tf.Tensor, blocks: readonly Block[], index: number, bank: FeedbackBank, conv: ConvScaling = 'none',
): tf.Tensor {
  if (index === blocks.length - 1) return e.clone();
  const block = blocks[index]!;
  const shape = block.outputShape;
  const width = shape.reduce((a, b) => a * b, 1);
  const positions = shape.length === 3 ? width / shape[2]! : 1;
  const factor = conv === 'positions' ? 1 / Math.sqrt(positions) : 1;
  const B = bank.get(index, [e.shape[1]!, width]);
  const s = tf.tidy(() => {
    const signal = tf.reshape(tf.matMul(e as tf.Tensor2D, B as tf.Tensor2D), [e.shape[0]!, ...shape]);
    return factor === 1 ? signal : tf.mul(signal, factor);
  });
  bank.release(B);
  return s;
}

/**
 * Local VJP of a block: the gradient of its parameters when `signal` arrives at its output
 * and is backpropagated through the block only (activation, pooling), evaluated at `input`
 * with the block's current weights. Returns the gradients keyed by variable name plus the
 * block's output, kept for the next block (MEM-DFA's pass 2 needs it; others may dispose it).
 *
 * The signal seeds the backward pass directly as dy (`engine().gradients`, what `tf.grad`
 * uses with an explicit dy), rather than differentiating the scalar ⟨h, signal⟩: that saves
 * the Mul and Sum kernels, their gradients and the tape's copies of h and the signal.
 */
export function localGrads(
  block: Block, input: tf.Tensor, signal: tf.Tensor,
): { grads: tf.NamedTensorMap; output: tf.Tensor } {
  const params = block.params as tf.Variable[];
  const { value, grads } = tf.engine().gradients(() => block.forward(input), params, signal, true);
  const named: tf.NamedTensorMap = {};
  params.forEach((p, i) => {
    if (grads[i]) named[p.name] = grads[i]!;
  });
  return { grads: named, output: value };
}
