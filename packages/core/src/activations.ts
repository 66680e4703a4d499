import * as tf from '@tensorflow/tfjs-core';
import { FblError } from './errors';
import { fastTanh } from './fast-tanh';

export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'linear';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'tanh', 'sigmoid', 'linear'];

/**
 * Applies a named activation; `linear` returns its input unchanged. `tanh` runs as 2σ(2a)−1
 * (see fast-tanh.ts): the wasm Tanh kernel is scalar and 5× slower than its Sigmoid.
 */
export function activate(x: tf.Tensor, name: ActivationName): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return fastTanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'linear':
      return x;
    default:
      throw new FblError('INVALID_OPTION', `unknown activation "${String(name)}" (expected ${ACTIVATIONS.join(', ')})`);
  }
}

export function isActivation(name: string): name is ActivationName {
  return (ACTIVATIONS as readonly string[]).includes(name);
}
