import * as tf from '@tensorflow/tfjs-core';
import { activate, type ActivationName } from './activations';
import { initWeights, type InitName } from './init';
import { linear } from './linear';
import { sharingSaves } from './tape-memory';
import type { Block, FeedbackWeight } from './types';

export interface DenseOptions {
  name?: string;
  inputSize: number;
  units: number;
  activation?: ActivationName;
  init?: InitName;
  /** Seed for the kernel initialiser. */
  seed: number;
}

/**
 * A dense block: h = act(x·W + b), W of shape [inputSize, units].
 *
 * @example
 * const block = dense({ inputSize: 784, units: 100, activation: 'relu', seed: 1 });
 */
export function dense(o: DenseOptions): Block {
  const activation = o.activation ?? 'linear';
  const name = o.name ?? `dense_${o.inputSize}x${o.units}`;
  const init = o.init ?? (activation === 'relu' ? 'he-normal' : 'glorot-uniform');
  const kernel = toVariable(initWeights([o.inputSize, o.units], init, o.seed));
  const bias = toVariable(tf.zeros([o.units]));
  // the tape saves aliases inside the block (see tape-memory.ts)
  const affine = (x: tf.Tensor, [w, b]: readonly tf.Tensor[], feedback?: readonly FeedbackWeight[]) =>
    sharingSaves(() => tf.tidy(() => {
      const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [x.shape[0]!, o.inputSize]) as tf.Tensor2D);
      return linear(x2, w as tf.Tensor2D, b as tf.Tensor1D, feedback?.[0] as tf.Tensor2D | (() => tf.Tensor2D) | undefined);
    }));
  const preActivation = (x: tf.Tensor, weights: readonly tf.Tensor[]) => affine(x, weights);
  const postActivation = (a: tf.Tensor) => activate(a, activation);
  const apply = (x: tf.Tensor, weights: readonly tf.Tensor[]) => tf.tidy(() => postActivation(preActivation(x, weights)));
  const applyWithFeedback = (x: tf.Tensor, weights: readonly tf.Tensor[], feedback: readonly FeedbackWeight[]) =>
    tf.tidy(() => postActivation(affine(x, weights, feedback)));
  const params = [kernel, bias];
  return {
    name,
    params,
    inputShape: [o.inputSize],
    outputShape: [o.units],
    apply,
    preActivation,
    postActivation,
    applyWithFeedback,
    forward: (x) => apply(x, params),
  };
}

/** Wraps a fresh tensor in a trainable variable and releases the tensor. */
export function toVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}
