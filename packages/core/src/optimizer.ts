import type * as tf from '@tensorflow/tfjs-core';

/**
 * Frees what tfjs 4.22's optimizers forget on dispose(): MomentumOptimizer.dispose() frees its
 * momentum scalar and slots but not the learning-rate scalar `c` that its SGDOptimizer base
 * keeps, so every disposed momentum optimizer would leak one tensor. Call after dispose().
 */
export function freeOptimizerLeftovers(opt: tf.Optimizer): void {
  const c = (opt as unknown as { c?: tf.Tensor }).c;
  if (c && !c.isDisposed) c.dispose();
}

/** Disposes a tfjs optimizer completely (see {@link freeOptimizerLeftovers}). */
export function disposeOptimizer(opt: tf.Optimizer): void {
  opt.dispose();
  freeOptimizerLeftovers(opt);
}
