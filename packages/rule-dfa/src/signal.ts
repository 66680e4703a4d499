import * as tf from '@tensorflow/tfjs-core';
import type { Block } from '@feedback-lab/core';
import type { FeedbackBank } from './feedback-bank';

/**
 * DFA's signal for block `index` of `blocks`: B_i·e reshaped to the block's output, with B_i of
 * shape [n_out, prod(outputShape)] (conv outputs are flattened). The last block gets the true
 * error e. The caller owns the returned tensor.
 */
export function dfaSignal(
  e: tf.Tensor, blocks: readonly Block[], index: number, bank: FeedbackBank,
): tf.Tensor {
  if (index === blocks.length - 1) return e.clone();
  const block = blocks[index]!;
  const width = block.outputShape.reduce((a, b) => a * b, 1);
  const B = bank.get(index, [e.shape[1]!, width]);
  const s = tf.tidy(() => tf.reshape(tf.matMul(e as tf.Tensor2D, B as tf.Tensor2D), [e.shape[0]!, ...block.outputShape]));
  bank.release(B);
  return s;
}

/**
 * Local VJP of a block: the gradient of its parameters when `signal` arrives at its output
 * and is backpropagated through the block only (activation, pooling), evaluated at `input`
 * with the block's current weights. Returns the gradients keyed by variable name plus the
 * block's output, kept for the next block (MEM-DFA's pass 2 needs it; others may dispose it).
 */
export function localGrads(
  block: Block, input: tf.Tensor, signal: tf.Tensor,
): { grads: tf.NamedTensorMap; output: tf.Tensor } {
  let output: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const h = block.forward(input);
    output = tf.keep(h);
    return tf.sum(tf.mul(h, signal));
  }, block.params as tf.Variable[]);
  value.dispose();
  return { grads, output: output! };
}
