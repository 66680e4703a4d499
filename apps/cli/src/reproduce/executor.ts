import { createPool } from './pool';
import type { CellTask, CommandTask, TaskResult } from './tasks';

/**
 * What runs the cells that `fbl reproduce` and `fbl sweep` plan. The planner, the cell runner
 * (cell-worker.ts) and the report do not know which executor ran a cell: every executor runs
 * the same `fbl train --checkpoint-dir` in the cell's directory, and progress is read from the
 * cells' epochs.jsonl files.
 */
export interface Executor {
  /** Cells that can run at once (for the ETA). */
  slots(): number;
  /**
   * Runs one task to its end; a cell that failed resolves with its exit code and error line. An
   * aborted `signal` stops the task (its checkpoints are kept).
   */
  run(task: CellTask | CommandTask, signal?: AbortSignal): Promise<TaskResult>;
  /** A line on where the cells run now (the queue's per-worker counts), or undefined. */
  status?(): Promise<string | undefined>;
  /** Stops taking tasks; cells in flight keep their checkpoints. */
  destroy(): Promise<void>;
}

/** Options of the executor: see open-executor.ts for the queue. */
export interface ExecutorOptions {
  /** Local pool size (without a queue). */
  workers: number;
  queue?: string;
  store?: string;
  /** The run's output directory; its cells are `<out>/cells/<id>`. */
  out: string;
  /** Progress lines (stderr, or JSON lines with --json). */
  say: (text: string, json: object) => void;
}

/** The default executor: a tinypool of child processes on this machine, one per cell. */
export function localExecutor(workers: number): Executor {
  const pool = createPool(workers);
  return {
    slots: () => workers,
    run: (task, signal) => (pool.run(task, signal ? { signal } : {}) as Promise<TaskResult>).catch((err: unknown) => ({ code: 1, err: (err as Error).message })),
    destroy: () => pool.destroy(),
  };
}
