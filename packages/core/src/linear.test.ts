import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { linear } from './linear';
import './register';

// The fast gradient must equal the stock matMul gradient computed on the cpu backend.
function grads(useFast: boolean) {
  return tf.tidy(() => {
    const x = tf.variable(tf.randomNormal([7, 13], 0, 1, 'float32', 1));
    const w = tf.variable(tf.randomNormal([13, 5], 0, 1, 'float32', 2));
    const b = tf.variable(tf.randomNormal([5], 0, 1, 'float32', 3));
    const dy = tf.randomNormal([7, 5], 0, 1, 'float32', 4);
    const f = () => tf.sum(tf.mul(useFast ? linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D) : tf.add(tf.matMul(x, w), b), dy)) as tf.Scalar;
    const { grads: g } = tf.variableGrads(f, [x, w, b]);
    const out = [x, w, b].map((v) => Array.from(g[v.name]!.dataSync()));
    [x, w, b].forEach((v) => v.dispose());
    return out;
  });
}

describe('linear (FblMatMul) gradient', () => {
  it.each(['wasm', 'cpu'] as const)('matches the stock cpu gradient on %s', async (backend) => {
    await selectBackend('cpu', { strict: true });
    const ref = grads(false);
    await selectBackend(backend, { strict: true });
    const before = tf.memory().numTensors;
    const got = grads(true);
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - ref[i]![j]!)).toBeLessThan(1e-4)));
  });

  it('computes the forward product exactly like tf.matMul', async () => {
    await selectBackend('wasm', { strict: true });
    tf.tidy(() => {
      const x = tf.randomNormal([4, 6], 0, 1, 'float32', 5) as tf.Tensor2D;
      const w = tf.randomNormal([6, 3], 0, 1, 'float32', 6) as tf.Tensor2D;
      const b = tf.zeros([3]) as tf.Tensor1D;
      const diff = tf.max(tf.abs(tf.sub(linear(x, w, b), tf.matMul(x, w)))).dataSync()[0]!;
      expect(diff).toBe(0);
    });
  });
});
