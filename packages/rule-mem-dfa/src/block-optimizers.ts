import type * as tf from '@tensorflow/tfjs-core';

/**
 * One copy of the caller's optimizer per block, so each block's update can be applied on its
 * own. tfjs optimizers keep their slots (momentum, Adam moments) by position in the list
 * passed to `applyGradients`, not by variable, and Adam counts one step per call: applying
 * block by block through one optimizer would mix slots and over-count steps. Each copy is built
 * from the optimizer's own config, follows its learning rate, and sees one call per step, so
 * the updates equal a single whole-model call (MEM-DFA ≡ DFA holds for sgd, momentum, adam).
 */
export function blockOptimizers() {
  let parent: tf.Optimizer | undefined;
  const copies = new Map<number, tf.Optimizer>();
  const dispose = () => {
    copies.forEach((c) => c.dispose());
    copies.clear();
  };
  return {
    /** The optimizer for block `index` under `opt` (a new `opt` starts fresh copies). */
    get(opt: tf.Optimizer, index: number): tf.Optimizer {
      if (opt !== parent) {
        dispose();
        parent = opt;
      }
      let copy = copies.get(index);
      if (!copy) {
        const ctor = opt.constructor as unknown as { fromConfig(cls: unknown, config: unknown): tf.Optimizer };
        copy = ctor.fromConfig(ctor, opt.getConfig());
        copies.set(index, copy);
      }
      const lr = (opt as unknown as { learningRate?: number }).learningRate;
      if (lr !== undefined) (copy as unknown as { learningRate: number }).learningRate = lr;
      return copy;
    },
    dispose,
  };
}
