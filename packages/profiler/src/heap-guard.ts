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
   */
  predictStepBytes?: () => number | undefined;
  /**
   * Heap bytes per engine byte assumed before the first step has been measured (default 2.5).
   * The heap holds more than the engine counts (XNNPACK's packed weights, allocator
   * fragmentation): a first BP step of a 784-2048-2048-10 MLP at batch 256 took the heap from
   * 26 to 216 MiB for 91 MiB of live plus predicted transient tensor bytes (2.4×).
   */
  firstStepOverhead?: number;
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
  let overhead: number | undefined; // measured heap / (live + predicted) after a step
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
      const need = o.predictStepBytes?.() ?? 0;
      // The heap reuses freed space, so the step fits if what it needs, scaled by the heap's
      // overhead over engine bytes, stays below what is already mapped.
      const engine = tf.memory().numBytes + need;
      const projected = Math.max(before, engine * (overhead ?? o.firstStepOverhead ?? 2.5));
      if (projected > limit) stop(`the wasm heap would reach about ${mib(projected)} (heap ${mib(before)}, step needs ~${mib(need)})`, info.step);
      const loss = run();
      const after = read() ?? before;
      peakHeap = Math.max(peakHeap, after);
      if (engine > 0) overhead = Math.max(overhead ?? 0, after / engine);
      if (after > limit) stop(`the wasm heap reached ${mib(after)}`, info.step);
      return loss;
    },
  };
}
