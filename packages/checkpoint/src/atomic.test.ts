import * as nodeFs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FblError } from '@feedback-lab/core';
import { loadCheckpoint, saveCheckpoint, type AtomicFs } from './node';
import type { CheckpointContent } from './format';

const root = mkdtempSync(join(tmpdir(), 'fbl-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const content = (v: number): CheckpointContent => ({
  meta: { position: { step: v } },
  arrays: [{ name: 'w', shape: [1000], dtype: 'float32', data: new Float32Array(1000).fill(v) }],
});

/** Real fs, except that the call named `at` dies after doing half its work (a simulated crash). */
function crashingFs(at: keyof AtomicFs): AtomicFs {
  const fs = nodeFs as unknown as AtomicFs;
  return {
    ...fs,
    mkdirSync: fs.mkdirSync, readdirSync: fs.readdirSync, openSync: fs.openSync, fsyncSync: fs.fsyncSync,
    closeSync: fs.closeSync, renameSync: fs.renameSync, unlinkSync: fs.unlinkSync,
    writeSync: fs.writeSync,
    [at]: (...args: unknown[]) => {
      if (at === 'writeSync') {
        const [fd, buf, off, len] = args as [number, Uint8Array, number, number];
        fs.writeSync(fd, buf, off, Math.floor(len / 2)); // a torn write
      }
      throw new Error(`simulated crash in ${at}`);
    },
  } as AtomicFs;
}

describe('atomic checkpoint writes', () => {
  it.each(['openSync', 'writeSync', 'fsyncSync', 'closeSync', 'renameSync'] as const)(
    'a crash in %s leaves the previous checkpoint intact and readable', async (at) => {
      const dir = join(root, at);
      await saveCheckpoint(dir, content(1));
      const before = readFileSync(join(dir, 'checkpoint.fblc'));
      const err = await saveCheckpoint(dir, content(2), crashingFs(at)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FblError);
      expect((err as FblError).message).toMatch(new RegExp(`simulated crash in ${at}`));
      expect(readFileSync(join(dir, 'checkpoint.fblc')).equals(before)).toBe(true);
      expect((await loadCheckpoint(dir)).meta).toEqual({ position: { step: 1 } });
      expect(readdirSync(dir)).toEqual(['checkpoint.fblc']); // the temp file was cleaned up
      await saveCheckpoint(dir, content(3)); // and the next write works
      expect((await loadCheckpoint(dir)).arrays[0]!.data[999]).toBe(3);
    },
  );

  it('ignores and then removes a temp file left by a process killed mid-write', async () => {
    const dir = join(root, 'leftover');
    await saveCheckpoint(dir, content(1));
    nodeFs.writeFileSync(join(dir, '.checkpoint.fblc.tmp-99999'), Buffer.alloc(100, 7));
    expect((await loadCheckpoint(dir)).meta).toEqual({ position: { step: 1 } });
    await saveCheckpoint(dir, content(2));
    expect(readdirSync(dir)).toEqual(['checkpoint.fblc']);
  });

  it('reports a missing checkpoint as a typed error', async () => {
    const err = await loadCheckpoint(join(root, 'nothing')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FblError);
    expect((err as FblError).code).toBe('CHECKPOINT');
    expect((err as Error).message).toMatch(/no checkpoint at .*nothing\/checkpoint\.fblc/);
  });
});
