import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import { lockDir } from '../dir-lock';
import { prepareOutputDir } from '../fs-errors';

const WORKER = new URL('./cell-worker.ts', import.meta.url).href;

/**
 * The worker pool of `fbl reproduce`: tinypool with one child process per task.
 *
 * Processes rather than worker threads, because: each cell gets its own wasm instance, whose
 * heap only grows, so a fresh process per cell (isolateWorkers) makes the recorded heap that
 * cell's own; a wasm abort or an out-of-memory kill takes down one cell, not the run; and the
 * CLI runs from TypeScript sources through tsx, whose loader Node 20 does not apply inside
 * worker threads (ERR_UNKNOWN_FILE_EXTENSION) without an extra bootstrap. tfjs-wasm itself
 * works in both (checked: SIMD backend in threads and in processes). A process costs ~1 s to
 * start, small beside a cell.
 */
export function createPool(workers: number, filename = WORKER): Tinypool {
  // Resolved from this package, so the workers find tsx whatever the caller's cwd.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Tinypool({
    filename,
    runtime: 'child_process',
    minThreads: 0,
    maxThreads: workers,
    isolateWorkers: true,
    // tinypool gives a child process only the env passed here.
    env: process.env as Record<string, string>,
    execArgv: ['--conditions=@feedback-lab/source', '--import', tsx],
  });
}

/**
 * Claims the output directory `dir` of `command` (fbl reproduce, fbl sweep) for this process,
 * creating it after checking it can be written: two runs on one directory would train the
 * same cells at once. See lockDir for how the claim is made and when a dead one is taken over.
 * Returns the release function.
 */
export function lockOut(dir: string, command = 'fbl reproduce'): () => void {
  prepareOutputDir(dir, '--out');
  return lockDir(dir, command, 'choose another --out');
}
