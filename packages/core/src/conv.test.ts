import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { conv2d, conv2dWithFeedback, type Padding } from './conv';
import { normals as values, relErr, useBackend } from './test-numerics';
import './register';

/** Loss Σ(conv(x, W) · r) so the upstream gradient is a dense random tensor. */
function grads(convFn: typeof conv2d, xs: number[], ws: number[], stride: number, pad: Padding) {
  const x = tf.tensor4d(values(xs.reduce((a, b) => a * b), 1), xs as [number, number, number, number]);
  const w = tf.tensor4d(values(ws.reduce((a, b) => a * b), 2), ws as [number, number, number, number]);
  const y0 = convFn(x, w, stride, pad);
  const r = tf.tensor(values(y0.size, 3), y0.shape);
  const [dx, dw] = tf.grads((a, b) => tf.sum(tf.mul(convFn(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), r)))([x, w]);
  const out = { y: y0.dataSync(), dx: dx!.dataSync(), dw: dw!.dataSync() };
  tf.dispose([x, w, y0, r, dx!, dw!]);
  return out;
}

const stock: typeof conv2d = (x, w, s, p) => tf.conv2d(x, w, s, p);

const CASES: [string, number[], number[], number, Padding][] = [
  ['5x5 valid stride 1', [3, 12, 12, 2], [5, 5, 2, 4], 1, 'valid'],
  ['5x5 same stride 1', [2, 10, 9, 3], [5, 5, 3, 4], 1, 'same'],
  ['4x4 same stride 1 (even kernel: asymmetric padding)', [2, 7, 8, 2], [4, 4, 2, 3], 1, 'same'],
  ['3x3 valid stride 2 (uneven)', [2, 10, 11, 2], [3, 3, 2, 3], 2, 'valid'],
  ['4x4 same stride 2', [2, 9, 9, 2], [4, 4, 2, 3], 2, 'same'],
  ['1 input channel (mnist-conv conv1)', [4, 28, 28, 1], [5, 5, 1, 20], 1, 'valid'],
];

describe('FblConv2D gradients', () => {
  for (const [label, xs, ws, stride, pad] of CASES) {
    it(`${label}: wasm equals stock tfjs on cpu (≤1e-4 relative)`, async () => {
      await useBackend('cpu');
      const ref = grads(stock, xs, ws, stride, pad);
      const cpu = grads(conv2d, xs, ws, stride, pad);
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const wasm = grads(conv2d, xs, ws, stride, pad);
      expect(tf.memory().numTensors).toBe(before);
      for (const got of [cpu, wasm]) {
        expect(relErr(got.y, ref.y)).toBeLessThan(1e-4);
        expect(relErr(got.dx, ref.dx)).toBeLessThan(1e-4);
        expect(relErr(got.dw, ref.dw)).toBeLessThan(1e-4);
      }
    });
  }

  it('the stock filter gradient still fails on wasm (why FblConv2D exists)', async () => {
    await useBackend('wasm');
    expect(() => grads(stock, [1, 6, 6, 1], [3, 3, 1, 1], 1, 'valid')).toThrow(/Conv2DBackpropFilter/);
  });
});

describe('FblConv2DFeedback', () => {
  for (const [label, xs, ws, stride, pad] of CASES.slice(1, 4)) {
    it(`${label}: same output and filter gradient as conv2d; the input gradient is conv2d's with the feedback as filter`, async () => {
      await useBackend('wasm');
      const f = tf.tensor4d(values(ws.reduce((a, b) => a * b), 7), ws as [number, number, number, number]);
      const plain = grads(conv2d, xs, ws, stride, pad);
      const throughF = grads((x, w, s, p) => conv2d(x, tf.add(tf.mul(w, 0), f), s, p), xs, ws, stride, pad);
      const before = tf.memory().numTensors;
      const fb = grads((x, w, s, p) => conv2dWithFeedback(x, w, f, s, p), xs, ws, stride, pad);
      expect(tf.memory().numTensors).toBe(before);
      expect(relErr(fb.y, plain.y)).toBeLessThan(1e-6);
      expect(relErr(fb.dw, plain.dw)).toBeLessThan(1e-6);
      expect(relErr(fb.dx, throughF.dx)).toBeLessThan(1e-5);
      expect(relErr(fb.dx, plain.dx)).toBeGreaterThan(0.1); // f really replaced the filter
      f.dispose();
    });
  }
});
