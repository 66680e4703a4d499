import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { parseThreads, planThreads, startWasm, type ThreadsEnv } from './wasm-threads';

const isolated: ThreadsEnv = { crossOriginIsolated: true, sharedArrayBuffer: true, simd: true, hardwareConcurrency: 4 };

describe('parseThreads', () => {
  it('reads a count, and takes every core when absent, empty or "all"', () => {
    expect(parseThreads('3', 8)).toBe(3);
    expect(parseThreads(' 1 ', 8)).toBe(1);
    for (const raw of [null, undefined, '', 'all']) expect(parseThreads(raw, 6)).toBe(6);
    expect(parseThreads(null, 0)).toBe(1);
  });

  it('rejects anything but a positive integer or "all" in one line', () => {
    for (const raw of ['0', '-2', '1.5', 'two']) expect(() => parseThreads(raw, 4)).toThrow(`threads=${raw} is not a positive integer or "all"`);
  });
});

describe('planThreads', () => {
  it('runs the count asked for where the worker is isolated, has SharedArrayBuffer and SIMD', () => {
    expect(planThreads(4, isolated)).toEqual({ threads: 4 });
    expect(planThreads(1, { ...isolated, crossOriginIsolated: false })).toEqual({ threads: 1 });
  });

  it('falls back to one thread and says why otherwise', () => {
    expect(planThreads(2, { ...isolated, crossOriginIsolated: false })).toEqual({
      threads: 1, notice: 'wasm threads: 2 asked for, but the page is not cross-origin isolated (serve it with COOP/COEP headers); using one thread',
    });
    expect(planThreads(2, { ...isolated, sharedArrayBuffer: false }).notice).toContain('SharedArrayBuffer is unavailable');
    expect(planThreads(2, { ...isolated, simd: false }).notice).toContain('no wasm SIMD');
  });
});

describe('startWasm', () => {
  it('starts the single-threaded backend with a notice where the scope is not isolated, and it computes', async () => {
    const scope = { crossOriginIsolated: false, SharedArrayBuffer, navigator: { hardwareConcurrency: 2 } } as unknown as typeof globalThis;
    const got = await startWasm(null, scope);
    expect(got.threads).toBe(1);
    expect(got.notice).toMatch(/^wasm threads: 2 asked for, but the page is not cross-origin isolated/);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])));
    expect(Array.from(await y.data())).toEqual([3, 3, 3, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('turns a bad ?threads= into a notice, not an error', async () => {
    const scope = { crossOriginIsolated: false, navigator: { hardwareConcurrency: 1 } } as unknown as typeof globalThis;
    expect(await startWasm('lots', scope)).toEqual({ threads: 1, notice: 'wasm threads: threads=lots is not a positive integer or "all"; using 1' });
  });
});
