import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { linear } from './linear';
import './register';

// linear(x, W, b, F): value x·W + b; ∂x = dy·Fᵀ, ∂W = xᵀ·dy, ∂b = Σ dy — checked against the
// same products written with stock ops on the cpu backend.
function run(fast: boolean) {
  return tf.tidy(() => {
    const x = tf.randomNormal([6, 9], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.variable(tf.randomNormal([9, 4], 0, 1, 'float32', 2)) as tf.Variable<tf.Rank.R2>;
    const b = tf.variable(tf.randomNormal([4], 0, 1, 'float32', 3)) as tf.Variable<tf.Rank.R1>;
    const f = tf.randomNormal([9, 4], 0, 1, 'float32', 4) as tf.Tensor2D;
    const dy = tf.randomNormal([6, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
    let out: number[][];
    if (fast) {
      const y = linear(x, w, b, f);
      const gx = tf.grad((xx: tf.Tensor) => linear(xx as tf.Tensor2D, w, b, f))(x, dy);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(linear(x, w, b, f), dy)), [w, b]);
      out = [y, gx, grads[w.name]!, grads[b.name]!].map((t) => Array.from(t.dataSync()));
    } else {
      out = [tf.add(tf.matMul(x, w), b), tf.matMul(dy, f, false, true), tf.matMul(x, dy, true, false), tf.sum(dy, 0)].map((t) => Array.from(t.dataSync()));
    }
    [w, b].forEach((v) => v.dispose());
    return out;
  });
}

describe('linear with feedback (FblMatMulFeedback)', () => {
  it.each(['wasm', 'cpu'] as const)('matches stock products on the cpu backend, on %s', async (backend) => {
    await selectBackend('cpu', { strict: true });
    const ref = run(false);
    await selectBackend(backend, { strict: true });
    const before = tf.memory().numTensors;
    const got = run(true);
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - ref[i]![j]!)).toBeLessThan(1e-4)));
  });
});
