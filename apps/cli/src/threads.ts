import { requestedThreads, type BackendInfo } from '@feedback-lab/core';
import { UsageError, type Specs } from './args';
import type { Io } from './io';

/** `--threads`: XNNPACK threads for the wasm backend. */
export const THREADS_OPTION = {
  threads: { kind: 'string', help: 'wasm threads: a count, or all (default: $FBL_THREADS, else all cores)' },
} satisfies Specs;

/** The threads to ask selectBackend for: --threads, else FBL_THREADS, else every core. */
export function threadsFor(o: { threads?: string }): string {
  const env = process.env.FBL_THREADS;
  const [value, source] = o.threads !== undefined ? [o.threads, '--threads'] : env !== undefined ? [env, 'FBL_THREADS'] : ['all', ''];
  try {
    requestedThreads(value);
  } catch {
    throw new UsageError(`${source} must be a positive integer, 0 or "all" (every core); got "${value}"`);
  }
  return value;
}

/** Prints the backend's one-line notice (e.g. why it runs on one thread), if any. */
export function noteBackend(info: BackendInfo, io: Io): void {
  if (info.notice) io.err.write(`fbl: ${info.notice}\n`);
}
