// What the reproduce command hands its pool of workers (cell-worker.ts) and gets back: plain
// data, in a file of its own so the command does not import the worker (which imports `main`).
import type { CellConfig } from './plan';

/** Train one cell: a fresh `fbl train` run, or `fbl train --resume` from its checkpoint. */
export interface CellTask {
  kind: 'cell';
  id: string;
  dir: string;
  /** The cell's settings; a fresh run trains with trainArgs(config, epochs). */
  config: CellConfig;
  /**
   * CIFAR-10 directory of the machine that runs the cell, when the config has none (queued
   * cells carry no paths: each worker has its own copy of the data).
   */
  dataDir?: string;
  /** The queue worker running the cell, recorded in its log. */
  worker?: string;
  epochs: number;
  checkpointEvery: number;
  /** wasm threads of the cell's process (the cores divided among the workers). */
  threads: number;
}

/** Any other fbl command run in a worker (the memory-vs-depth sweep); its stdout is dropped. */
export interface CommandTask {
  kind: 'command';
  argv: string[];
}

export interface TaskResult {
  code: number;
  /** What the command wrote to stderr (its one-line error on failure). */
  err: string;
}

/** A command's one-line error from what it wrote to stderr, without the CLI's "fbl: " prefix. */
export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.replace(/^fbl: /, '') ?? '';
}
