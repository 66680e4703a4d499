import * as tf from '@tensorflow/tfjs-core';
import { FblError } from './errors';

export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'linear';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'tanh', 'sigmoid', 'linear'];

/** Applies a named activation; `linear` returns its input unchanged. */
export function activate(x: tf.Tensor, name: ActivationName): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
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
