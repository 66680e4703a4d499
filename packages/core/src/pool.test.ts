import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { pool2d, type PoolOptions } from './pool';
import { normals as values, relErr, useBackend } from './test-numerics';
import './register';

/** dL/dx for L = Σ pool(x)·r, with the stock tfjs op or ours. */
function poolGrad(x0: Float32Array, shape: number[], o: PoolOptions, ours: boolean): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(x0, shape as [number, number, number, number]);
    const stride = o.stride ?? o.size;
    const pad = o.padding ?? 'valid';
    const f = (a: tf.Tensor4D) =>
      ours ? pool2d(a, o) : o.type === 'max' ? tf.maxPool(a, o.size, stride, pad) : tf.avgPool(a, o.size, stride, pad);
    const r = tf.tensor(values(f(x).size, 7), f(x).shape);
    return tf.grad((a) => tf.sum(tf.mul(f(a as tf.Tensor4D), r)))(x).dataSync() as Float32Array;
  });
}

const CASES: [string, number[], PoolOptions][] = [
  ['max 2 valid (mnist-conv)', [2, 8, 8, 3], { type: 'max', size: 2 }],
  ['max 3 stride 2 same (cifar-conv, overlapping)', [2, 9, 9, 2], { type: 'max', size: 3, stride: 2, padding: 'same' }],
  ['max 3 stride 2 valid', [2, 9, 10, 2], { type: 'max', size: 3, stride: 2 }],
  // four channels a vector in wasm-gemm's kernel, then the last two one at a time
  ['max 3 stride 2 same, 6 channels', [2, 9, 9, 6], { type: 'max', size: 3, stride: 2, padding: 'same' }],
  ['max 2 valid, 32 channels', [1, 6, 6, 32], { type: 'max', size: 2 }],
  ['avg 3 stride 2 same', [2, 8, 8, 2], { type: 'avg', size: 3, stride: 2, padding: 'same' }],
  ['avg 2 valid', [2, 6, 6, 2], { type: 'avg', size: 2 }],
];

/** dL/dx of the same loss by central differences on the forward op (exact up to rounding: L is linear in x within a window's argmax). */
function numericGrad(x0: Float32Array, shape: number[], o: PoolOptions): Float32Array {
  const stride = o.stride ?? o.size;
  const pad = o.padding ?? 'valid';
  const loss = (x: Float32Array) => tf.tidy(() => {
    const y = tf.avgPool(tf.tensor4d(x, shape as [number, number, number, number]), o.size, stride, pad);
    return tf.sum(tf.mul(y, tf.tensor(values(y.size, 7), y.shape))).dataSync()[0]!;
  });
  return Float32Array.from(x0, (_, k) => {
    const up = Float32Array.from(x0);
    const down = Float32Array.from(x0);
    up[k]! += 0.5;
    down[k]! -= 0.5;
    return loss(up) - loss(down);
  });
}

describe('average pooling\'s gradient is that of its forward, at edge windows too', () => {
  for (const [label, shape, o] of CASES.filter(([, , c]) => c.type === 'avg')) {
    it(`${label}: cpu and wasm equal central differences (≤1e-4 relative)`, async () => {
      const x = values(shape.reduce((a, b) => a * b), 3);
      await useBackend('cpu');
      const ref = numericGrad(x, shape, o);
      for (const backend of ['cpu', 'wasm'] as const) {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        const got = poolGrad(x, shape, o, true);
        expect(tf.memory().numTensors).toBe(before);
        expect(relErr(got, ref), backend).toBeLessThan(1e-4);
      }
    });
  }

  it('stock tfjs divides by the window area at \'same\' edges, so its gradient there is too small (why FblAvgPool exists)', async () => {
    const o: PoolOptions = { type: 'avg', size: 3, stride: 2, padding: 'same' };
    const x = values(2 * 8 * 8 * 2, 3);
    await useBackend('cpu');
    const ref = numericGrad(x, [2, 8, 8, 2], o);
    expect(relErr(poolGrad(x, [2, 8, 8, 2], o, false), ref)).toBeGreaterThan(0.05);
  });
});

describe('pool2d gradients on wasm equal stock tfjs on cpu (≤1e-4 relative; average pooling: valid windows only)', () => {
  for (const [label, shape, o] of CASES.filter(([, , c]) => c.type === 'max' || c.padding !== 'same')) {
    // offset −3 makes most windows all-negative: the inputs the stock wasm MaxPoolGrad gets wrong.
    for (const offset of [0, -3]) {
      it(`${label}, inputs centred at ${offset}`, async () => {
        const x = values(shape.reduce((a, b) => a * b), 3, offset);
        await useBackend('cpu');
        const ref = poolGrad(x, shape, o, false);
        await useBackend('wasm');
        const before = tf.memory().numTensors;
        const got = poolGrad(x, shape, o, true);
        expect(tf.memory().numTensors).toBe(before);
        expect(relErr(got, ref)).toBeLessThan(1e-4);
      });
    }
  }

  it('the stock wasm max-pool gradient is wrong on an all-negative window (why FblMaxPool exists)', async () => {
    const x = Float32Array.from([-4, -3, -2, -1]);
    await useBackend('wasm');
    const stock = poolGrad(x, [1, 2, 2, 1], { type: 'max', size: 2 }, false);
    const ours = poolGrad(x, [1, 2, 2, 1], { type: 'max', size: 2 }, true);
    const r = values(1, 7)[0]!;
    expect(Array.from(ours)).toEqual([0, 0, 0, r]);
    expect(Array.from(stock)).not.toEqual([0, 0, 0, r]);
  });

  it('wasm-gemm\'s SIMD kernel and the loop without it agree bit for bit: ties go to the first cell, NaN windows pass nothing', async () => {
    const shape = [2, 9, 9, 6];
    const o: PoolOptions = { type: 'max', size: 3, stride: 2, padding: 'same' };
    // few distinct values: most windows hold their maximum more than once
    const x = values(shape.reduce((a, b) => a * b), 3).map((v) => Math.round(v));
    x[5] = NaN;
    x[6 * 9 * 9 + 13] = NaN;
    await useBackend('wasm');
    const simd = poolGrad(x, shape, o, true);
    process.env.FBL_WASM_GEMM = '0';
    try {
      await useBackend('wasm');
      const loop = poolGrad(x, shape, o, true);
      expect(Array.from(new Uint32Array(simd.buffer))).toEqual(Array.from(new Uint32Array(loop.buffer)));
    } finally {
      delete process.env.FBL_WASM_GEMM;
      await useBackend('wasm');
    }
    expect(simd.some((v) => v !== 0) && simd.every((v) => Number.isFinite(v))).toBe(true);
  });
});
