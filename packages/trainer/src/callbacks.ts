import type { BatchEndEvent, EpochEndEvent, MemoryStats } from '@feedback-lab/core';

export interface StepInfo {
  epoch: number;
  step: number;
}

/**
 * Hooks into the training loop. The profiler is one of these: it wraps steps to measure them,
 * and contributes memory figures to the events.
 */
export interface TrainerCallback {
  /** Runs the step (possibly measuring it) and returns its loss. */
  wrapStep?(run: () => number, info: StepInfo): number | Promise<number>;
  onBatchEnd?(e: BatchEndEvent): void | Promise<void>;
  onEpochEnd?(e: EpochEndEvent): void | Promise<void>;
  /** A diverged step was undone under `onDiverge: 'skip-batch'`. */
  onBatchSkipped?(e: { epoch: number; step: number; reason: string }): void | Promise<void>;
  /** Memory figures for the event being built (e.g. the peak since the last epoch). */
  memory?(): Partial<MemoryStats> | undefined;
}
