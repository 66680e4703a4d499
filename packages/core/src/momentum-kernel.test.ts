import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MOMENTUM_KERNEL } from './momentum-kernel';
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
