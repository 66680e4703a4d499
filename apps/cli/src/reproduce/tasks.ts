// What the reproduce command hands its pool of workers (cell-worker.ts) and gets back: plain
// data, in a file of its own so the command does not import the worker (which imports `main`).

/** Train one cell: a fresh `fbl train` run, or `fbl train --resume` from its checkpoint. */
export interface CellTask {
  kind: 'cell';
  id: string;
  dir: string;
  /** `fbl train` options of a fresh run (see trainArgs); ignored when resuming. */
  args: string[];
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
