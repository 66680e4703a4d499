import * as tf from '@tensorflow/tfjs-core';
import { createRng } from './rng';

/** Weight initialisers, computed in JS from a seed so every backend gets identical weights. */
export type InitName = 'glorot-uniform' | 'he-normal' | 'lecun-normal' | 'zeros';

/**
 * Creates a weight tensor of `shape` where fanIn/fanOut come from the shape: [in, out] for
 * dense kernels, [kh, kw, cin, cout] for conv filters.
 */
export function initWeights(shape: readonly number[], init: InitName, seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  if (init !== 'zeros') {
    const receptive = shape.length > 2 ? shape.slice(0, -2).reduce((a, b) => a * b, 1) : 1;
    const fanIn = (shape.length > 1 ? shape[shape.length - 2]! : shape[0]!) * receptive;
    const fanOut = shape[shape.length - 1]! * receptive;
    const rng = createRng(seed);
    if (init === 'glorot-uniform') {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) values[i] = (rng.next() * 2 - 1) * limit;
    } else {
      const std = Math.sqrt((init === 'he-normal' ? 2 : 1) / fanIn);
      for (let i = 0; i < n; i++) values[i] = rng.normal() * std;
    }
  }
  return tf.tensor(values, shape as number[], 'float32');
}
