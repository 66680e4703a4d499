import * as tf from '@tensorflow/tfjs-core';
import { FblError, type StepInfo, type TrainerCallback } from '@feedback-lab/core';
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
   * Heap bytes per engine byte that the heap must newly map (default 2.5): the whole need of the
   * first step, and later only what a step needs beyond the step before it. The heap holds more
   * than the engine counts (XNNPACK's packed weights, allocator fragmentation): a first BP step
   * of a 784-2048-2048-10 MLP at batch 256 took the heap from 26 to 216 MiB for 91 MiB of live
   * plus predicted transient tensor bytes (2.4×).
   */
  firstStepOverhead?: number;
}

export interface HeapGuard extends TrainerCallback {
  /** Largest heap seen, bytes. */
  readonly peakHeap: number;
  /** Synchronous: checks before and after `run`, throwing MEMORY_BUDGET instead of a rejection. */
  wrapStep(run: () => tf.Scalar, info: StepInfo): tf.Scalar;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/**
 * A trainer callback that keeps training clear of the wasm32 limit. Before each step it checks
 * the heap plus the predicted need of the step against the limit, and after it the heap the
 * step actually reached; either way it stops with a MEMORY_BUDGET error that says why, instead
 * of letting a failed `malloc` corrupt memory (see docs/tfjs-facts.md, "Memory").
 *
 * @example
 * createTrainer({ ..., callbacks: [heapGuard({ limitBytes: 3 * 2 ** 30 })] });
 */
export function heapGuard(o: HeapGuardOptions = {}): HeapGuard {
  const limit = o.limitBytes ?? DEFAULT_HEAP_LIMIT;
  const read = o.readHeap ?? wasmHeapBytes;
  let peakHeap = 0;
  // The heap after the last step and the engine bytes (live + predicted need) it had to hold.
  let last: { heap: number; demand: number } | undefined;
  const overhead = o.firstStepOverhead ?? 2.5;
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
      // The wasm heap never shrinks and reuses freed space: once a step has run, the next one
      // with the same shapes fits in what is already mapped, and only demand beyond the last
      // step's has to be mapped anew. (A ratio of heap to engine bytes does not work: conv
      // kernels' scratch makes the heap of a small conv net ~40× its tensors, and scaling the
      // next step's need by that refused cifar-conv at 4.6 GiB with 104 MiB mapped.) Before the
      // first step nothing is known, so its whole demand is scaled.
      const demand = tf.memory().numBytes + need;
      const projected = last
        ? Math.max(before, last.heap + overhead * Math.max(0, demand - last.demand))
        : Math.max(before, overhead * demand);
      if (projected > limit) stop(`the wasm heap would reach about ${mib(projected)} (heap ${mib(before)}, step needs ~${mib(need)})`, info.step);
      const loss = run();
      const after = read() ?? before;
      peakHeap = Math.max(peakHeap, after);
      // Optimizer slots made by the step are in the heap now: count them as already held.
      last = { heap: after, demand: Math.max(demand, tf.memory().numBytes + need, last?.demand ?? 0) };
      if (after > limit) stop(`the wasm heap reached ${mib(after)}`, info.step);
      return loss;
    },
  };
}
