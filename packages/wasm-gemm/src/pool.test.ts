import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PoolShape } from './gemm';
import { installWasmGemm, maxPoolGradInHeap, uninstallWasmGemm } from './index';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});
afterEach(() => uninstallWasmGemm());

/** TensorFlow's rule, element by element: each output's dy to the first window cell (row-major) equal to y. */
function reference(x: Float32Array, y: Float32Array, dy: Float32Array, p: PoolShape): Float32Array {
  const dx = new Float32Array(x.length);
  for (let b = 0; b < p.batch; b++) for (let i = 0; i < p.outH; i++) for (let j = 0; j < p.outW; j++) for (let c = 0; c < p.channels; c++) {
    const o = ((b * p.outH + i) * p.outW + j) * p.channels + c;
    find: for (let r = Math.max(0, i * p.strideH - p.padTop); r < Math.min(p.inH, i * p.strideH - p.padTop + p.filterH); r++) {
      for (let q = Math.max(0, j * p.strideW - p.padLeft); q < Math.min(p.inW, j * p.strideW - p.padLeft + p.filterW); q++) {
        const k = ((b * p.inH + r) * p.inW + q) * p.channels + c;
        if (x[k] === y[o]) {
          dx[k]! += dy[o]!;
          break find;
        }
      }
    }
  }
  return dx;
}

const CASES: [number[], number, number, 'same' | 'valid'][] = [
  [[2, 9, 9, 6], 3, 2, 'same'], [[1, 6, 6, 32], 2, 2, 'valid'], [[2, 7, 5, 1], 3, 2, 'same'], [[1, 8, 8, 4], 3, 1, 'valid'],
];

describe('max pooling\'s gradient in the heap', () => {
  it('matches TensorFlow\'s rule bit for bit: ties to the first cell, overlapping windows add, NaN maxima pass nothing', () => {
    installWasmGemm({ variant: 'simd' });
    const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
    const at = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId).memoryOffset;
    for (const [shape, size, stride, pad] of CASES) {
      const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], size, stride, 1, pad);
      const p: PoolShape = { batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, channels: info.inChannels, outH: info.outHeight,
        outW: info.outWidth, strideH: stride, strideW: stride, filterH: size, filterW: size, padTop: info.padInfo.top, padLeft: info.padInfo.left };
      // few distinct values, so most windows hold their maximum more than once
      const r = tf.tidy(() => tf.round(tf.randomUniform(shape, -2, 2, 'float32', 1)));
      const xv = r.dataSync().slice();
      r.dispose();
      xv[3] = NaN;
      const xt = tf.tensor(xv, shape);
      const y = tf.maxPool(xt as tf.Tensor4D, size, stride, pad);
      const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 2);
      const dx = tf.zeros(shape);
      expect(maxPoolGradInHeap(tf.backend(), p, at(xt), at(y), at(dy), at(dx))).toBe(true);
      const ref = reference(xt.dataSync() as Float32Array, y.dataSync() as Float32Array, dy.dataSync() as Float32Array, p);
      expect([shape, Array.from(new Uint32Array(dx.dataSync().buffer))]).toEqual([shape, Array.from(new Uint32Array(ref.buffer))]);
      tf.dispose([xt, y, dy, dx]);
    }
    uninstallWasmGemm();
    expect(maxPoolGradInHeap(tf.backend(), { batch: 1, inH: 1, inW: 1, channels: 1, outH: 1, outW: 1, strideH: 1, strideW: 1, filterH: 1, filterW: 1, padTop: 0, padLeft: 0 }, 0, 0, 0, 0)).toBe(false);
  });
});
