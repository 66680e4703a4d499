import * as tf from '@tensorflow/tfjs-core';
import { activationGrad } from './activation-grads';
import { FblError } from './errors';
import { fastTanh } from './fast-tanh';
import { fromOutput } from './tape-memory';

// Gradients from the output (see tape-memory.ts): the stock Relu gradient saves the
// pre-activation, which nothing else keeps alive. One kernel each where the backend has it
// (activation-grads.ts), the ops below elsewhere.
const relu = fromOutput((a) => tf.relu(a), (y) => tf.step(y), (dy, y) => activationGrad('relu', dy, y));
const sigmoid = fromOutput((a) => tf.sigmoid(a), (y) => tf.mul(y, tf.sub(1, y)), (dy, y) => activationGrad('sigmoid', dy, y));

export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'linear';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'tanh', 'sigmoid', 'linear'];

/**
 * Applies a named activation; `linear` returns its input unchanged. `tanh` runs as one SIMD pass
 * with wasm-gemm, as 2σ(2a)−1 elsewhere (see fast-tanh.ts): the wasm Tanh kernel is scalar and 5×
 * slower than its Sigmoid.
 */
export function activate(x: tf.Tensor, name: ActivationName): tf.Tensor {
  switch (name) {
    case 'relu':
      return relu(x);
    case 'tanh':
      return fastTanh(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'linear':
      return x;
    default:
      throw new FblError('INVALID_OPTION', `unknown activation "${String(name)}" (expected ${ACTIVATIONS.join(', ')})`);
  }
}

export function isActivation(name: string): name is ActivationName {
  return (ACTIVATIONS as readonly string[]).includes(name);
}
