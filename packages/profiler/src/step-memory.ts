import * as tf from '@tensorflow/tfjs-core';
import type { MemoryStats, TrainerCallback } from '@feedback-lab/core';
import { meterBuffers } from './buffer-meter';
import { profileKernels } from './kernel-profile';

/** Memory of one profiled step, from the engine's tensor accounting. */
export interface StepMemory {
  step: number;
  /** Tensor bytes held before the step (weights, optimizer state, feedback, the batch). */
  startBytes: number;
  /** Highest tensor buffer bytes during the step (an alias of a live buffer counts once). */
  peakBytes: number;
  /** peakBytes − startBytes: what the step itself needed at its worst moment. */
  transientBytes: number;
  /** Tensors alive after the step minus before: non-zero means a leak or new state. */
  newTensors: number;
  kernels: number;
}

export interface StepMemoryProfiler extends TrainerCallback {
  /** Every profiled step so far. */
  readonly records: readonly StepMemory[];
}

/**
 * A trainer callback that measures per-step peak tensor bytes and tensor counts with
 * `tf.profile`. Profiling syncs every kernel, so by default only the first step and then one
 * step in `every` are measured; shapes do not change between steps, so neither does the peak.
 *
 * @example
 * const prof = stepMemoryProfiler({ every: 50 });
 * createTrainer({ ..., callbacks: [prof] });
 */
export function stepMemoryProfiler(o: { every?: number } = {}): StepMemoryProfiler {
  const every = o.every ?? 50;
  const records: StepMemory[] = [];
  let epochPeak = 0;
  return {
    records,
    async wrapStep(run, info) {
      if (info.step % every !== 0) return run();
      const startBytes = tf.memory().numBytes;
      let loss: tf.Scalar | undefined;
      const meter = meterBuffers();
      let p: Awaited<ReturnType<typeof profileKernels>>;
      try {
        p = await profileKernels(() => {
          loss = run();
        });
      } finally {
        meter.stop();
      }
      const peak = startBytes + meter.peak(); // distinct buffers: aliases count once
      records.push({
        step: info.step, startBytes, peakBytes: peak, transientBytes: peak - startBytes,
        // less the loss tensor the step hands back, which the trainer reads and frees
        newTensors: p.newTensors - 1, kernels: p.kernels.length,
      });
      epochPeak = Math.max(epochPeak, peak);
      return loss!;
    },
    memory(): Partial<MemoryStats> {
      const m = tf.memory();
      return { peakBytes: Math.max(epochPeak, m.numBytes), numTensors: m.numTensors };
    },
    onEpochEnd() {
      epochPeak = 0;
    },
  };
}
