import * as tf from '@tensorflow/tfjs-core';
import { FblError, disposeOptimizer, type RuleState } from '@feedback-lab/core';
import { restoreCopies, saveCopies } from './optimizer-state';

/**
 * One copy of the caller's optimizer per block, so each block's update can be applied on its
 * own. tfjs optimizers keep their slots (momentum, Adam moments) by position in the list
 * passed to `applyGradients`, not by variable, and Adam counts one step per call: applying
 * block by block through one optimizer would mix slots and over-count steps. Each copy is built
 * from the optimizer's own config, follows its learning rate, and sees one call per step, so
 * the updates equal a single whole-model call (MEM-DFA ≡ DFA holds for sgd, momentum, adam).
 *
 * The copies' slots are optimizer state that lives in the rule, so `state`/`restore` carry them
 * through checkpoints; restored copies are adopted by the first optimizer that asks for them.
 */
export function blockOptimizers() {
  let parent: tf.Optimizer | undefined;
  let adopt = false;
  const copies = new Map<number, tf.Optimizer>();
  const dispose = () => {
    copies.forEach((c) => disposeOptimizer(c));
    copies.clear();
  };
  return {
    /** The optimizer for block `index` under `opt` (a new `opt` starts fresh copies). */
    get(opt: tf.Optimizer, index: number): tf.Optimizer {
      // An object that only records gradients (e.g. alignment diagnostics) has no state to split.
      if (typeof (opt as Partial<tf.Optimizer>).getConfig !== 'function') return opt;
      if (opt !== parent) {
        if (!adopt) dispose();
        adopt = false;
        parent = opt;
      }
      let copy = copies.get(index);
      if (!copy) {
        const ctor = opt.constructor as unknown as { fromConfig(cls: unknown, config: unknown): tf.Optimizer };
        copy = ctor.fromConfig(ctor, opt.getConfig());
        copies.set(index, copy);
      }
      followLearningRate(copy, opt);
      return copy;
    },
    /** The copies' slots as tensors (`block<i>/…`) plus a JSON description (`blockOptimizers`). */
    state: (): Promise<RuleState> => saveCopies(copies, parent),
    /** Rebuilds the copies from `state`; they serve the next optimizer that calls `get`. */
    async restore(state: RuleState): Promise<void> {
      dispose();
      parent = undefined;
      adopt = true;
      try {
        for (const [i, c] of await restoreCopies(state)) copies.set(i, c);
      } catch (err) {
        dispose();
        throw err instanceof FblError ? err : new FblError('CHECKPOINT', `mem-dfa state: ${(err as Error).message}`);
      }
    },
    dispose,
  };
}

type WithLr = { learningRate?: number; setLearningRate?: (lr: number) => void };

/** Schedules change the caller's rate; SGD/momentum cache it as a tensor, so use their setter. */
function followLearningRate(copy: tf.Optimizer, parent: tf.Optimizer): void {
  const lr = (parent as unknown as WithLr).learningRate;
  const c = copy as unknown as WithLr;
  if (lr === undefined || c.learningRate === lr) return;
  if (typeof c.setLearningRate === 'function') c.setLearningRate(lr);
  else c.learningRate = lr;
}
