import * as tf from '@tensorflow/tfjs-core';
import { disposeSnapshot, restoreOptimizer, snapshotOptimizer, type OptimizerSnapshot } from './optimizer-state';

/** What to do when a step yields a non-finite loss or weights. */
export type DivergePolicy = 'stop' | 'skip-batch';
export const DIVERGE_POLICIES: readonly DivergePolicy[] = ['stop', 'skip-batch'];

/**
 * True when every value of every tensor is finite. `sum(x·0)` is 0 for finite x and NaN as soon
 * as one value is NaN or ±Inf, so one cheap reduction per tensor and a single sync suffice (and
 * it cannot overflow, unlike a plain sum).
 */
export function allFinite(tensors: readonly tf.Tensor[]): boolean {
  if (tensors.length === 0) return true;
  const probe = tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.mul(t, 0)))));
  const v = probe.dataSync()[0]!;
  probe.dispose();
  return Number.isFinite(v);
}

/** Copies of the parameters and optimizer state taken before a step, to undo it. */
export interface StepUndo {
  restore(): Promise<void>;
  dispose(): void;
}

/**
 * Snapshots `params` and the optimizer so a diverged step can be undone (`skip-batch`). Costs
 * one copy of the weights and optimizer slots per step; only taken under that policy.
 */
export async function snapshotForUndo(params: readonly tf.Variable[], opt: tf.Optimizer): Promise<StepUndo> {
  const copies = params.map((p) => tf.keep(p.clone()));
  const snap: OptimizerSnapshot = await snapshotOptimizer(opt);
  return {
    async restore() {
      params.forEach((p, i) => p.assign(copies[i]!));
      await restoreOptimizer(opt, snap);
    },
    dispose() {
      tf.dispose(copies);
      disposeSnapshot(snap);
    },
  };
}
