import * as tfjs from '@tensorflow/tfjs';
import { FblError } from '@feedback-lab/core';
import { networkShape, type Runner, type NetworkOptions } from './runners';

/**
 * The same network trained the stock way: `tf.sequential` of `tf.layers.dense`, compiled with
 * the same optimizer, softmax output with categorical cross-entropy, one `trainOnBatch` per
 * step. It runs on the same backend with tfjs's own gradients: feedback-lab registers its fast
 * products under kernel names of its own and replaces no stock gradient or kernel.
 */
export function layersRunner(n: NetworkOptions): Runner {
  const arch = n.spec ? undefined : networkShape(n).arch;
  if (!arch) throw new FblError('INVALID_OPTION', 'the tfjs-layers peer builds MLPs from an arch only, not model specs');
  const model = tfjs.sequential();
  const last = arch.length - 1;
  for (let i = 1; i <= last; i++) {
    model.add(
      tfjs.layers.dense({
        units: arch[i]!,
        activation: i === last ? 'softmax' : n.activation,
        ...(i === 1 ? { inputShape: [arch[0]!] } : {}),
        kernelInitializer: tfjs.initializers.glorotUniform({ seed: n.seed + i }),
      }),
    );
  }
  const optimizer =
    n.optimizer === 'sgd' ? tfjs.train.sgd(n.lr) : n.optimizer === 'adam' ? tfjs.train.adam(n.lr) : tfjs.train.momentum(n.lr, 0.9);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return {
    name: 'tfjs-layers',
    step: async (batch) => {
      const loss = await model.trainOnBatch(batch.x, batch.y);
      return Array.isArray(loss) ? loss[0]! : loss;
    },
    dispose() {
      model.dispose();
      optimizer.dispose();
    },
  };
}
