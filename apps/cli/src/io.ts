import type { ProgressSink } from './progress';

/** Where a command writes; injected so tests can capture output. */
export interface Io {
  out(text: string): void;
  err: ProgressSink;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: process.stderr,
};
