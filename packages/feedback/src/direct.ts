import * as tf from '@tensorflow/tfjs-core';
import { untaped, type Block } from '@feedback-lab/core';
import { feedbackBank, type FeedbackBank, type FeedbackOptions } from './bank';
import { fanOut } from './random';

/**
 * How a conv block's signal is scaled beyond its B: `none` (default), or `positions`, which
 * divides it by √P for a block whose output has P = height·width positions per channel. A conv
 * filter sums its update over all P positions, and under DFA the part of each position's signal
 * that does not reduce the loss adds up coherently there (inputs after a relu are all positive);
 * measured on cifar-conv, this is what drives the conv blocks' activations up (see rule-dfa's README).
 */
export type ConvScaling = 'none' | 'positions';

/**
 * A direct projection to block `index`: `source`·B_index reshaped to the block's output, with
 * B_index of shape [source width, prod(outputShape)] from `bank` (conv outputs are flattened),
 * scaled per `conv` for conv blocks. DFA projects the error e, DRTP the target; the matrix
 * product and reshape are the same. The caller owns the returned tensor.
 */
export function directSignal(
  source: tf.Tensor, block: Block, index: number, bank: FeedbackBank, conv: ConvScaling = 'none',
): tf.Tensor {
  const shape = block.outputShape;
  const width = shape.reduce((a, b) => a * b, 1);
  const positions = shape.length === 3 ? width / shape[2]! : 1;
  const factor = conv === 'positions' ? 1 / Math.sqrt(positions) : 1;
  const B = bank.get(index, [source.shape[1]!, width]);
  // Off the tape: a product recorded there would save B until the step's backward pass ends,
  // so a regenerated B would be resident after all.
  const s = untaped(() => {
    const signal = tf.reshape(tf.matMul(source as tf.Tensor2D, B as tf.Tensor2D), [source.shape[0]!, ...shape]);
    return factor === 1 ? signal : tf.mul(signal, factor);
  });
  bank.release(B);
  return s;
}

/**
 * DFA's signal for block `index` of `blocks` (Nøkland 2016): B_i·e at a hidden block
 * (`directSignal`), the true error e at the last one. DFA and MEM-DFA both use it, so their
 * updates stay the same for the same bank. The caller owns the returned tensor.
 */
export function dfaSignal(
  e: tf.Tensor, blocks: readonly Block[], index: number, bank: FeedbackBank, conv: ConvScaling = 'none',
): tf.Tensor {
  if (index === blocks.length - 1) return e.clone();
  return directSignal(e, blocks[index]!, index, bank, conv);
}

/** DFA's options, shared by every rule that sends B_i·e to the blocks (DFA, MEM-DFA). */
export interface DfaFeedbackOptions extends FeedbackOptions {
  /** Extra scaling of conv blocks' signals (default `none`; `positions`: 1/√positions). */
  convScaling?: ConvScaling;
}

/**
 * The feedback bank of DFA's options: B_i from (seed, i) on the `dfa` stream, `fanOut()` by
 * default (variance 1/n_i, so ‖B_i·e‖ ≈ ‖e‖, the size of BP's gradient at a block at
 * initialisation). DFA and MEM-DFA both build theirs here, so one seed gives both the very
 * same matrices.
 *
 * @example
 * const bank = dfaFeedbackBank({ seed: 1, feedback: 'regenerate' });
 */
export function dfaFeedbackBank(o: DfaFeedbackOptions = {}): FeedbackBank {
  return feedbackBank({
    generator: o.generator ?? fanOut({ scale: o.scale }),
    seed: o.seed ?? 0,
    mode: o.feedback,
    stream: 'dfa',
  });
}
