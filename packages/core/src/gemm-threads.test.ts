import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

interface Run { backendThreads: number; threads: number; pool: number; helped: number; bits: string[] }

/** The fixture in a fresh process with FBL_THREADS=`threads` (it exits only if no helper thread keeps it alive). */
async function runFixture(threads: string): Promise<Run> {
  const { stdout } = await promisify(execFile)(process.execPath,
    ['--conditions=@feedback-lab/source', '--import', 'tsx', join(here, 'gemm-threads.fixture.ts')],
    { cwd: root, env: { ...process.env, FBL_THREADS: threads }, maxBuffer: 1 << 24, timeout: 90_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Run;
}

describe('wasm-gemm on the threaded build', () => {
  it('splits products and convolutions over both threads, bit-identical to one thread, and the process exits', async () => {
    const [one, two] = [await runFixture('1'), await runFixture('2')];
    expect([one.backendThreads, one.threads, one.helped]).toEqual([1, 1, 0]);
    // the products take both threads; XNNPACK's pool (whose threads spin between jobs) keeps one
    expect([two.backendThreads, two.threads, two.pool]).toEqual([2, 2, 1]);
    // the helper ran some of the direct product's tasks (how many depends on when it woke)
    expect(two.helped).toBeGreaterThan(0);
    expect(two.bits).toHaveLength(5);
    two.bits.forEach((b, i) => expect({ i, same: b === one.bits[i] }).toEqual({ i, same: true }));
    // the installed kernel and the direct call computed the same product
    expect(two.bits[0]).toBe(two.bits[1]);
  }, 120_000);
});
