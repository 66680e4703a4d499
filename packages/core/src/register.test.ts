// './register' must be this file's first import: it is what a consumer's first import of
// feedback-lab evaluates, before anything else loads tfjs-core.
import './register';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend';

describe('register', () => {
  it('registers the stock gradients without the union package', async () => {
    await selectBackend('cpu', { strict: true });
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, -2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, -4, 6]);
  });

  it('leaves the engine to the consumer\'s tfjs-core, so tensor methods work (clone, buffer, bufferSync)', async () => {
    await selectBackend('cpu', { strict: true });
    const x = tf.tensor1d([1.5, 2.5]);
    expect(Array.from(x.clone().dataSync())).toEqual([1.5, 2.5]);
    expect(x.bufferSync().get(0)).toBe(1.5);
    expect((await x.buffer()).get(1)).toBe(2.5);
  });
});
