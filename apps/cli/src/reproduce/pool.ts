import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import { FblError } from '@feedback-lab/core';

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
 * Claims `dir` for this process: two reproduce runs on one directory would train the same
 * cells at once. A lock left by a process that no longer exists is taken over.
 * Returns the release function.
 */
export function lockOut(dir: string): () => void {
  const path = join(dir, 'reproduce.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8'));
      if (alive(pid)) throw new FblError('CHECKPOINT', `${dir} is in use by another fbl reproduce (pid ${pid}); wait for it or choose another --out`);
      rmSync(path, { force: true });
    }
  }
  throw new FblError('CHECKPOINT', `cannot lock ${dir}: ${path} keeps reappearing; is another fbl reproduce starting there?`);
}

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
