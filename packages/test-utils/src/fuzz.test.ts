import { describe, expect, it } from 'vitest';
import { FblError } from '@feedback-lab/core';
import { fuzz, mutate } from './fuzz';

describe('fuzz harness', () => {
  const gen = (rng: Parameters<typeof mutate.random>[0]) => ({ kind: 'random', bytes: mutate.random(rng, 16) });
  it('counts typed rejections and is deterministic in its seed', async () => {
    const parse = (b: Uint8Array) => {
      if (b.length % 2) throw new FblError('DATA_FORMAT', 'odd');
    };
    const a = await fuzz({ seed: 1, cases: 200, generate: gen, parse });
    const b = await fuzz({ seed: 1, cases: 200, generate: gen, parse });
    expect(a.cases).toBe(200);
    expect(a.accepted + a.rejected).toBe(200);
    expect(a.rejected).toBeGreaterThan(0);
    expect({ ...a, maxMs: 0, maxAllocBytes: 0 }).toEqual({ ...b, maxMs: 0, maxAllocBytes: 0 });
  });

  it('fails on an untyped error, a wrong code, a slow case and an oversized allocation', async () => {
    await expect(fuzz({ seed: 1, cases: 5, generate: gen, parse: () => { throw new RangeError('boom'); } })).rejects.toThrow(/case 0 .* threw RangeError: boom/);
    await expect(fuzz({ seed: 1, cases: 5, generate: gen, codes: ['CHECKPOINT'], parse: () => { throw new FblError('DATA_FORMAT', 'x'); } })).rejects.toThrow(/code DATA_FORMAT, expected CHECKPOINT/);
    await expect(fuzz({ seed: 1, cases: 2, generate: gen, timeBoundMs: 5, parse: () => { const t = Date.now(); while (Date.now() - t < 20); } })).rejects.toThrow(/took \d+ ms/);
    const keep: ArrayBuffer[] = [];
    await expect(fuzz({ seed: 1, cases: 2, generate: gen, parse: () => void keep.push(new ArrayBuffer(8 * 2 ** 20)) })).rejects.toThrow(/allocated \d+ bytes/);
  });
});
