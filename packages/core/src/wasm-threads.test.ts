import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { requestedThreads, selectBackend } from './backend';
import './register';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

interface Run { backend: string; threads: number; notice: string | null; losses: number[]; weights: number[] }

/** The fixture in a fresh process with FBL_THREADS=`threads`. */
async function runFixture(threads: string): Promise<Run> {
  const { stdout } = await promisify(execFile)(process.execPath,
    ['--conditions=@feedback-lab/source', '--import', 'tsx', join(here, 'wasm-threads.fixture.ts')],
    { cwd: root, env: { ...process.env, FBL_THREADS: threads }, maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Run;
}

describe('wasm threads in Node', () => {
  it('runs two threads and trains to one thread\'s weights within float tolerance', async () => {
    const [one, two] = [await runFixture('1'), await runFixture('2')];
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.backend).toBe('wasm (SIMD, 2 threads)');
    expect(two.notice).toBeNull();
    two.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]!)).toBeLessThan(1e-5));
    expect(two.weights).toHaveLength(one.weights.length);
    const worst = Math.max(...two.weights.map((w, i) => Math.abs(w - one.weights[i]!)));
    expect(worst).toBeLessThan(1e-5);
  }, 120_000);

  it('says in one line why it stays on one thread once wasm has started single-threaded', async () => {
    await selectBackend('wasm', { threads: 1 });
    const info = await selectBackend('wasm', { threads: 2 });
    expect(info.threads).toBe(1);
    expect(info.notice).toMatch(/^wasm threads: the wasm backend had already started in this process; using one thread$/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('reads --threads / FBL_THREADS: a positive integer, 0 or "all" for every core', () => {
    expect(requestedThreads(3)).toBe(3);
    expect(requestedThreads('all')).toBeGreaterThanOrEqual(1);
    expect(requestedThreads(0)).toBe(requestedThreads('all'));
    expect(() => requestedThreads('two')).toThrow(/threads must be a positive integer, 0 or "all", got "two"/);
    expect(() => requestedThreads(-1)).toThrow(/got "-1"/);
  });
});
