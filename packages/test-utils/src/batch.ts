import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '@feedback-lab/core';

/** A deterministic batch: uniform inputs in [0, 1) and labels cycling through the classes. */
export function randomBatch(n: number, dim: number, classes: number, seed: number): Batch {
  const labels = new Uint8Array(n).map((_, i) => (i * 7 + seed) % classes);
  return {
    x: tf.randomUniform([n, dim], 0, 1, 'float32', seed),
    y: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes), 'float32')),
    labels,
    size: n,
  };
}
