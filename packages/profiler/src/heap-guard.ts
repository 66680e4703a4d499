import * as tf from '@tensorflow/tfjs-core';
import { FblError } from '@feedback-lab/core';
import type { TrainerCallback } from '@feedback-lab/trainer';
import { WASM32_LIMIT_BYTES } from './budget';
import { wasmHeapBytes } from './heap';

/** Default stop line: 3.5 GiB leaves room for allocations the engine does not count. */
export const DEFAULT_HEAP_LIMIT = 3.5 * 2 ** 30;

export interface HeapGuardOptions {
  /** Stop when the heap would pass this many bytes (default 3.5 GiB). */
  limitBytes?: number;
  /** Current heap size in bytes, or undefined where there is no wasm heap (default: the wasm backend's). */
  readHeap?: () => number | undefined;
  /**
   * Bytes the next step is expected to need on top of the tensors alive before it: the memory
   * model's `predictMemory(...).peakTransientBytes`, or the last measured transient bytes.
   * Without one, the guard learns it from the heap growth of the steps it has seen.
   */
  predictStepBytes?: () => number | undefined;
}

export interface HeapGuard extends TrainerCallback {
  /** Largest heap seen, bytes. */
  readonly peakHeap: number;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/**
 * A trainer callback that keeps training clear of the wasm32 limit. Before each step it checks
 * the heap plus the predicted need of the step against the limit, and after it the heap the
 * step actually reached; either way it stops with a MEMORY_BUDGET error that says why, instead
 * of letting a failed `malloc` corrupt memory (see shared/docs/tfjs-wasm-facts.md §3).
 *
 * @example
 * createTrainer({ ..., callbacks: [heapGuard({ limitBytes: 3 * 2 ** 30 })] });
 */
export function heapGuard(o: HeapGuardOptions = {}): HeapGuard {
  const limit = o.limitBytes ?? DEFAULT_HEAP_LIMIT;
  const read = o.readHeap ?? wasmHeapBytes;
  let peakHeap = 0;
  let learned = 0;
  const stop = (msg: string, step: number) => {
    throw new FblError('MEMORY_BUDGET', `${msg} at step ${step}; the limit is ${mib(limit)} (wasm32 maximum ${mib(WASM32_LIMIT_BYTES)}): use a smaller batch or model, or MEM-DFA`);
  };
  return {
    get peakHeap() {
      return peakHeap;
    },
    wrapStep(run, info) {
      const before = read();
      if (before === undefined) return run();
      peakHeap = Math.max(peakHeap, before);
      const need = o.predictStepBytes?.() ?? learned;
      // The heap reuses freed space, so the step fits if live tensors plus its need stay below
      // what is already mapped; it only grows by the excess.
      const projected = Math.max(before, tf.memory().numBytes + need);
      if (projected > limit) stop(`the wasm heap would reach about ${mib(projected)} (heap ${mib(before)}, step needs ~${mib(need)})`, info.step);
      const loss = run();
      const after = read() ?? before;
      peakHeap = Math.max(peakHeap, after);
      learned = Math.max(learned, after - before);
      if (after > limit) stop(`the wasm heap reached ${mib(after)}`, info.step);
      return loss;
    },
  };
}
