import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and returns how many tensors it left behind (after minus before). A correct
 * training step returns 0 once optimizer state has been created by a warm-up step.
 */
export async function tensorsLeftBy(fn: () => unknown | Promise<unknown>): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}
