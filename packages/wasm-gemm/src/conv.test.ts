import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installWasmGemm, relaxedSimdSupported, uninstallWasmGemm } from './index';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});
afterEach(() => uninstallWasmGemm());

interface Case {
  x: [number, number, number, number];
  f: [number, number, number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding;
  dilation?: number | [number, number];
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], f: [5, 5, 3, 32], stride: 1, pad: 'same' }, // cifar-conv's first conv (C not a multiple of 4)
  { x: [3, 9, 7, 32], f: [5, 5, 32, 20], stride: 1, pad: 'same' }, // M not a multiple of 4, N not of 8
  { x: [2, 28, 28, 1], f: [5, 5, 1, 20], stride: 1, pad: 'valid' },
  { x: [1, 11, 10, 8], f: [3, 3, 8, 9], stride: 2, pad: 'same' },
  { x: [2, 12, 12, 4], f: [3, 2, 4, 12], stride: [2, 1], pad: 'valid', dilation: 1 },
  { x: [2, 10, 9, 4], f: [3, 3, 4, 10], stride: 1, pad: 'same', dilation: 2 }, // dilated (the filter-gradient form)
  { x: [1, 6, 6, 600], f: [2, 2, 600, 9], stride: 1, pad: 'valid' }, // one tap per k block
  { x: [1, 7, 5, 2], f: [3, 3, 2, 8], stride: 1, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
  { x: [4, 3, 3, 64], f: [8, 8, 64, 16], stride: 1, pad: [[0, 0], [2, 3], [2, 3], [0, 0]] }, // taps past the image everywhere
  { x: [1, 1, 1, 8], f: [1, 1, 8, 8], stride: 1, pad: 'valid' },
  { x: [2, 12, 12, 50], f: [5, 5, 50, 20], stride: 1, pad: 'valid' }, // 48 channels a vector at a time, 2 a lane at a time
  { x: [1, 9, 9, 5], f: [3, 3, 5, 8], stride: 1, pad: 'same' },
];

/** Worst |ours − stock| ÷ (max |stock| + tiny) of conv2d, ours against tfjs-backend-wasm's XNNPACK. */
function convError(c: Case, variant: 'simd' | 'relaxed' | undefined): number {
  const x = tf.randomUniform(c.x, -1, 1, 'float32', 7) as tf.Tensor4D;
  const f = tf.randomUniform(c.f, -1, 1, 'float32', 8) as tf.Tensor4D;
  const run = () => tf.conv2d(x, f, c.stride, c.pad, 'NHWC', c.dilation ?? 1);
  uninstallWasmGemm();
  const stock = run();
  // the im2col product on every case (winograd.test.ts covers the shapes Winograd takes)
  installWasmGemm({ ...(variant ? { variant } : {}), winograd: false });
  const ours = run();
  expect(ours.shape).toEqual(stock.shape);
  const err = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, stock))).dataSync()[0]! / (tf.max(tf.abs(stock)).dataSync()[0]! + 1e-30));
  tf.dispose([x, f, stock, ours]);
  return err;
}

describe('wasm-gemm convolution', () => {
  it('matches tfjs-backend-wasm\'s XNNPACK Conv2D on every case (strides, dilations, paddings, odd channel counts)', () => {
    const before = tf.memory().numTensors;
    // the FMA variant where this engine has relaxed SIMD (Node ≥ 22; the product tests cover it on 20)
    for (const variant of relaxedSimdSupported() ? ['simd', 'relaxed'] as const : ['simd'] as const) {
      const errs = CASES.map((c) => [variant, JSON.stringify(c), convError(c, variant)] as const);
      expect(errs.filter(([, , e]) => !(e < 2e-6))).toEqual([]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('installs over Conv2D and puts the stock kernel back', () => {
    const stock = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
    installWasmGemm({ variant: 'simd' });
    expect(tf.getKernel('Conv2D', 'wasm')!.kernelFunc).not.toBe(stock);
    uninstallWasmGemm();
    expect(tf.getKernel('Conv2D', 'wasm')!.kernelFunc).toBe(stock);
  });

  it('a convolution of zero input channels is zeros', () => {
    installWasmGemm({ variant: 'simd' });
    // (tfjs's own kernel leaves such an output uninitialised)
    const y = tf.conv2d(tf.zeros([1, 4, 4, 0]) as tf.Tensor4D, tf.zeros([3, 3, 0, 8]) as tf.Tensor4D, 1, 'same');
    expect(y.shape).toEqual([1, 4, 4, 8]);
    expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
    y.dispose();
  });
});
