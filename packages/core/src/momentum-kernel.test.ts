import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { IN_PLACE_MIN_ELEMENTS, MOMENTUM_KERNEL } from './momentum-kernel';
import { createOptimizer } from './optimizer';
import { momentumAgainstStock, useBackend } from './test-numerics';
import './register';

const here = dirname(fileURLToPath(import.meta.url));

describe('fused momentum update', () => {
  it('runs on wasm as one kernel per variable, bit-identical to tfjs\'s four kernels (every length mod 4)', async () => {
    await useBackend('wasm');
    const start = tf.memory().numTensors;
    const { sameBits, kernels } = await momentumAgainstStock([[61, 47], [3], [5], [2, 3], [800], [1]], 12);
    expect(sameBits).toBe(true);
    expect(kernels).toContain(MOMENTUM_KERNEL);
    expect(kernels.filter((k) => ['Multiply', 'Add'].includes(k))).toEqual([]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('updates a large weight nothing else holds in place, under a new id: XNNPACK\'s packed copy of the old one is not reused', async () => {
    await selectBackend('wasm', { strict: true, gemm: false }); // products on XNNPACK, which caches packed weights by id
    const heap = tf.backend() as unknown as { dataIdMap: { get(d: object): { id: number; memoryOffset: number } } };
    const where = (t: tf.Tensor) => ({ ...heap.dataIdMap.get(t.dataId)! });
    const start = tf.memory().numTensors;
    const [K, N] = [1024, IN_PLACE_MIN_ELEMENTS / 1024];
    const w = tf.tidy(() => tf.variable(tf.randomNormal([K, N], 0, 1, 'float32', 1)));
    const x = tf.randomNormal([3, K], 0, 1, 'float32', 2);
    const g = tf.randomNormal([K, N], 0, 1, 'float32', 3);
    const opt = createOptimizer({ name: 'momentum', lr: 0.5 });
    const product = () => tf.tidy(() => tf.matMul(x, w).dataSync() as Float32Array);
    // a few columns of x·w in double precision, from w's current values
    const near = (got: Float32Array) => {
      const [xv, wv] = [x.dataSync(), w.dataSync()];
      for (const k of [0, 1, 77, 3 * N - 1]) {
        let s = 0;
        for (let i = 0; i < K; i++) s += xv[Math.floor(k / N) * K + i]! * wv[i * N + (k % N)]!;
        expect(Math.abs(got[k]! - s)).toBeLessThan(1e-2 * (1 + Math.abs(s)));
      }
    };
    near(product());
    opt.apply({ [w.name]: g }); // makes the momentum slot (zeros, now a second buffer) and writes w in place
    const before = where(w);
    opt.apply({ [w.name]: g });
    const after = where(w);
    expect(after.memoryOffset).toBe(before.memoryOffset);
    expect(after.id).not.toBe(before.id);
    near(product());
    // a clone shares the data: the update then leaves it as it was and writes a new buffer
    const kept = w.clone();
    const keptValues = kept.dataSync().slice();
    opt.apply({ [w.name]: g });
    expect(where(w).memoryOffset).not.toBe(where(kept).memoryOffset);
    expect(kept.dataSync()).toEqual(keptValues);
    near(product());
    // a weight under IN_PLACE_MIN_ELEMENTS gets fresh buffers each update
    const small = tf.tidy(() => tf.variable(tf.randomNormal([24, 16], 0, 1, 'float32', 4)));
    const gs = tf.randomNormal([24, 16], 0, 1, 'float32', 5);
    opt.apply({ [small.name]: gs });
    const first = where(small);
    opt.apply({ [small.name]: gs });
    expect(where(small).memoryOffset).not.toBe(first.memoryOffset);
    opt.dispose();
    tf.dispose([w, x, g, kept, small, gs]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('leaves other backends on tfjs\'s kernels', async () => {
    await useBackend('cpu');
    const { sameBits, kernels } = await momentumAgainstStock([[7, 3]], 3);
    expect(sameBits).toBe(true);
    expect(kernels).not.toContain(MOMENTUM_KERNEL);
  });

  it('gives the same bits on the threaded build\'s shared memory', async () => {
    const { stdout } = await promisify(execFile)(process.execPath,
      ['--conditions=@feedback-lab/source', '--import', 'tsx', join(here, 'momentum-kernel.fixture.ts')],
      { cwd: join(here, '..', '..', '..'), env: { ...process.env, FBL_THREADS: '2' }, maxBuffer: 1 << 24 });
    const run = JSON.parse(stdout.trim().split('\n').pop()!) as { threads: number; fused: boolean; sameBits: boolean; leaked: number };
    expect(run).toEqual({ threads: 2, fused: true, sameBits: true, leaked: 0 });
  }, 120_000);
});
