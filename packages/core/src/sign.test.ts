import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { useBackend } from './test-numerics';
import './register';
import { sign } from './sign';

const special = [0, -0, 1e-30, -3, 2.5e-40, -1e-45, Infinity, -Infinity, 3e38, -0.5];
const truth = special.map((v) => (v > 0 ? 1 : v < 0 ? -1 : 0));

describe.each([['wasm', true], ['wasm', false], ['cpu', false]] as const)('sign on %s (wasm-gemm %s)', (backend, gemm) => {
  const useBackend = () => selectBackend(backend, { strict: true, gemm });

  it('is −1, 0 or 1 for every float, tiny and subnormal ones included, and leaks nothing', async () => {
    await useBackend();
    const before = tf.memory().numTensors;
    const x = tf.tensor1d(special);
    const s = sign(x);
    expect(Array.from(s.dataSync())).toEqual(truth);
    const w = tf.randomNormal([37, 41], 0, 1, 'float32', 3);
    const sw = sign(w);
    const want = Array.from(w.dataSync(), (v) => Math.sign(v));
    expect(Array.from(sw.dataSync())).toEqual(want);
    tf.dispose([x, s, w, sw]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('makes one input-sized tensor and nothing else', async () => {
    await useBackend();
    const x = tf.randomNormal([100, 100]);
    const start = tf.memory().numBytes;
    const info = await tf.profile(() => sign(x));
    expect(info.peakBytes - start).toBe(100 * 100 * 4);
    (info.result as tf.Tensor).dispose();
    x.dispose();
  });

  it('has a zero gradient', async () => {
    await useBackend();
    const g = tf.grad((x: tf.Tensor) => tf.sum(sign(x)))(tf.tensor1d([-2, 0, 3]));
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0]);
  });
});

describe('the stock wasm Sign kernel', () => {
  it('still returns 0 for 1e-30 (why core has its own sign; if this fails, tfjs fixed it)', async () => {
    await useBackend('wasm');
    expect(tf.sign(tf.tensor1d([1e-30])).dataSync()[0]).toBe(0);
  });
});
