import * as tf from '@tensorflow/tfjs-core';
import { FblError, freeOptimizerLeftovers } from '@feedback-lab/core';

export type OptimizerName = 'sgd' | 'momentum' | 'adam';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'adam'];

export interface OptimizerOptions {
  name: OptimizerName;
  lr: number;
  /** Momentum coefficient for `momentum` (default 0.9). */
  momentum?: number;
}

/**
 * The tfjs optimizers by name, with their learning rate checked.
 *
 * @example
 * const opt = createOptimizer({ name: 'momentum', lr: 0.01 });
 */
export function createOptimizer(o: OptimizerOptions): tf.Optimizer {
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new FblError('INVALID_OPTION', `learning rate must be a positive number, got ${o.lr}`);
  switch (o.name) {
    case 'sgd':
      return tf.train.sgd(o.lr);
    case 'momentum':
      return fixMomentumDispose(tf.train.momentum(o.lr, o.momentum ?? 0.9));
    case 'adam':
      return tf.train.adam(o.lr);
    default:
      throw new FblError('INVALID_OPTION', `unknown optimizer "${String(o.name)}" (expected ${OPTIMIZERS.join(', ')})`);
  }
}

/** Makes `dispose()` free everything (see core's freeOptimizerLeftovers). */
function fixMomentumDispose(opt: tf.MomentumOptimizer): tf.MomentumOptimizer {
  const dispose = opt.dispose.bind(opt);
  opt.dispose = () => {
    dispose();
    freeOptimizerLeftovers(opt);
  };
  return opt;
}
