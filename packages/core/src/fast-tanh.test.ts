import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { fastTanh } from './fast-tanh';
import './register';

// Value and gradient of fastTanh must match the stock tanh computed on the cpu backend.
function run(f: (a: tf.Tensor) => tf.Tensor) {
  return tf.tidy(() => {
    const a = tf.mul(tf.randomNormal([9, 33], 0, 1, 'float32', 7), 3); // covers saturation
    const dy = tf.randomNormal([9, 33], 0, 1, 'float32', 8);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.sum(tf.mul(f(x), dy)))(a);
    return [Array.from(tf.mul(f(a), 1).dataSync()), Array.from(grad.dataSync()), value.dataSync()[0]!] as const;
  });
}

describe('fastTanh', () => {
  it.each([
    ['wasm', true, 'FblTanh'],
    ['wasm', false, 'Sigmoid'],
    ['cpu', false, 'Sigmoid'],
  ] as const)('matches the stock cpu tanh and its gradient on %s (wasm-gemm %s: %s)', async (backend, gemm, kernel) => {
    await selectBackend('cpu', { strict: true });
    const [refY, refG] = run(tf.tanh);
    await selectBackend(backend, { strict: true, gemm });
    const before = tf.memory().numTensors;
    let out: ReturnType<typeof run> | undefined;
    const names = (await tf.profile(() => void (out = run(fastTanh)))).kernels.map((k) => k.name);
    const [y, g] = out!;
    expect(names).toContain(kernel);
    expect(names).toContain('FblTanhGrad');
    expect(tf.memory().numTensors).toBe(before);
    y.forEach((v, i) => expect(Math.abs(v - refY[i]!)).toBeLessThan(1e-6));
    g.forEach((v, i) => expect(Math.abs(v - refG[i]!)).toBeLessThan(1e-5));
  });
});
