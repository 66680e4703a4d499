import { describe, expect, it } from 'vitest';
import { FblError } from '@feedback-lab/core';
import { decodeCheckpoint, encodeCheckpoint } from './format';
import { FBL_VERSION, checkVersion, versionStamp } from './version';
import { diffConfig, describeDifferences } from './config-diff';
import pkg from '../package.json';

describe('checkpoint format', () => {
  it('round-trips metadata and tensors bit for bit', async () => {
    const w = new Float32Array([1.5, -0, NaN, 3e-39, Infinity]);
    const i = new Int32Array([7, -1]);
    const bytes = await encodeCheckpoint({
      meta: { a: 1, nested: { b: [1, 2] } },
      arrays: [{ name: 'w', shape: [5], dtype: 'float32', data: w }, { name: 'i', shape: [2, 1], dtype: 'int32', data: i }],
    });
    const back = await decodeCheckpoint(bytes);
    expect(back.meta).toEqual({ a: 1, nested: { b: [1, 2] } });
    expect(Buffer.from(back.arrays[0]!.data.buffer).equals(Buffer.from(w.buffer))).toBe(true);
    expect(back.arrays[1]).toMatchObject({ name: 'i', shape: [2, 1], dtype: 'int32' });
    expect([...back.arrays[1]!.data]).toEqual([7, -1]);
  });

  it('detects any flipped byte through the checksum', async () => {
    const bytes = await encodeCheckpoint({ meta: {}, arrays: [{ name: 'w', shape: [3], dtype: 'float32', data: new Float32Array(3) }] });
    for (const at of [8, 40, 50, bytes.length - 1]) {
      const copy = bytes.slice();
      copy[at]! ^= 1;
      await expect(decodeCheckpoint(copy)).rejects.toThrow(/checksum mismatch/);
    }
  });

  it('names the versions that differ', () => {
    expect(FBL_VERSION).toBe(pkg.version);
    expect(() => checkVersion(versionStamp())).not.toThrow();
    const err = (() => {
      try {
        checkVersion({ ...versionStamp(), feedbackLab: '0.0.9', tfjs: '4.0.0' });
      } catch (e) {
        return e as FblError;
      }
    })();
    expect(err?.code).toBe('CHECKPOINT');
    expect(err?.message).toBe(`checkpoint was written by another version: feedbackLab "0.0.9" (this build: "${FBL_VERSION}"), tfjs "4.0.0" (this build: "4.22.0")`);
  });

  it('lists config differences', () => {
    const d = diffConfig({ lr: 0.1, seed: 1, json: true }, { lr: 0.2, seed: 1, limit: 5 }, ['json']);
    expect(describeDifferences(d)).toBe('limit: unset in the checkpoint, 5 now; lr: 0.1 in the checkpoint, 0.2 now');
    expect(describeDifferences(d.slice(1), 'in this cell')).toBe('lr: 0.1 in the checkpoint, 0.2 in this cell');
  });
});
