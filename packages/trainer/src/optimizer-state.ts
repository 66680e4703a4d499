import * as tf from '@tensorflow/tfjs-core';
import { FblError } from '@feedback-lab/core';

/** An optimizer's state as copies: step count, slot values in creation order, extras by name. */
export interface OptimizerSnapshot {
  iterations: number;
  slots: { name: string; tensor: tf.Tensor }[];
  /** Adam's running β powers, which `setWeights` would recompute with `pow` (not bit-exact). */
  extras: { name: string; tensor: tf.Tensor }[];
}

const EXTRA_FIELDS = ['accBeta1', 'accBeta2'] as const;
type WithExtras = Partial<Record<(typeof EXTRA_FIELDS)[number], tf.Variable>>;

/**
 * Copies the state of a tfjs optimizer (sgd, momentum, adam, …) through its public
 * `getWeights`, plus Adam's β-power variables. The copies are kept (safe inside a tidy) and
 * belong to the caller.
 */
export async function snapshotOptimizer(opt: tf.Optimizer): Promise<OptimizerSnapshot> {
  const [iter, ...slots] = await opt.getWeights();
  const iterations = iter ? (await iter.tensor.data())[0]! : 0;
  iter?.tensor.dispose();
  const extras = EXTRA_FIELDS.flatMap((f) => {
    const v = (opt as unknown as WithExtras)[f];
    return v && !v.isDisposed ? [{ name: f, tensor: tf.keep(v.clone()) }] : [];
  });
  return { iterations, slots: slots.map((s) => ({ name: s.name, tensor: tf.keep(s.tensor.clone()) })), extras };
}

/**
 * Puts a snapshot back. Slots the optimizer created after the snapshot was taken (lazily, on
 * its first step) are reset to zero, their initial value. Does not dispose the snapshot.
 */
export async function restoreOptimizer(opt: tf.Optimizer, snap: OptimizerSnapshot): Promise<void> {
  const [iter, ...current] = await opt.getWeights();
  iter?.tensor.dispose();
  if (current.length === snap.slots.length && current.length > 0) {
    // Same slots: assign in place, so the optimizer keeps its variables (no new allocations).
    current.forEach((c, i) => (c.tensor as tf.Variable).assign(snap.slots[i]!.tensor));
    (opt as unknown as { iterations_: number }).iterations_ = snap.iterations;
  } else if (current.length > snap.slots.length && snap.slots.length === 0) {
    tf.tidy(() => current.forEach((c) => (c.tensor as tf.Variable).assign(tf.zerosLike(c.tensor))));
    (opt as unknown as { iterations_: number }).iterations_ = snap.iterations;
  } else {
    // A fresh optimizer (resume): let it create its slot variables from the saved values.
    const it = tf.scalar(snap.iterations, 'int32');
    try {
      await opt.setWeights([{ name: 'iter', tensor: it }, ...snap.slots]);
    } catch (err) {
      throw new FblError('CHECKPOINT', `optimizer ${opt.getClassName()} cannot take ${snap.slots.length} saved state tensors: ${(err as Error).message}`);
    } finally {
      it.dispose();
    }
  }
  for (const e of snap.extras) {
    const v = (opt as unknown as WithExtras)[e.name as (typeof EXTRA_FIELDS)[number]];
    if (!v) throw new FblError('CHECKPOINT', `optimizer ${opt.getClassName()} has no ${e.name}; the checkpoint was written by another optimizer`);
    v.assign(e.tensor);
  }
}

export function disposeSnapshot(snap: OptimizerSnapshot): void {
  tf.dispose([...snap.slots.map((s) => s.tensor), ...snap.extras.map((e) => e.tensor)]);
}
