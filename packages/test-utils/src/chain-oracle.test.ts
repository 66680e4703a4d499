import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mlp, softmaxCrossEntropy } from '@feedback-lab/core';
import { useBackend } from './backends';
import { randomBatch } from './batch';
import { chainOracle } from './chain-oracle';
import { maxAbsDiff, snapshot } from './compare';

describe('chainOracle', () => {
  it('is backprop (tfjs autodiff) when every B_i is W_i, and differs with other feedback', async () => {
    await useBackend('cpu');
    const arch = [5, 6, 4, 3];
    const model = mlp({ arch, activation: 'tanh', seed: 2 });
    const batch = randomBatch(7, 5, 3, 1);
    const params = model.blocks.flatMap((b) => b.params);
    const w = snapshot(params);
    const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy.value(model.forward(batch.x), batch.y), params);
    const bp = params.map((p) => Float32Array.from(grads[p.name]!.dataSync()));
    const oracle = (feedback: (W: Float32Array) => Float32Array) => chainOracle({
      arch, batch: 7, x: batch.x.dataSync() as Float32Array, y: batch.y.dataSync() as Float32Array,
      weights: arch.slice(1).map((_, i) => ({ W: w[2 * i]!, b: w[2 * i + 1]! })),
      feedback: arch.slice(1).map((_, i) => (i === 0 ? undefined : feedback(w[2 * i]!))),
    }).flatMap((g) => [g.dW, g.db]);
    const same = oracle((W) => W);
    same.forEach((g, i) => expect(maxAbsDiff(g, bp[i]!), `param ${i}`).toBeLessThan(1e-6));
    const halved = oracle((W) => W.map((v) => v / 2));
    expect(maxAbsDiff(halved[0]!, bp[0]!)).toBeGreaterThan(1e-4); // the first layer hears the feedback
    expect(maxAbsDiff(halved[4]!, bp[4]!)).toBeLessThan(1e-6); // the output layer does not
    tf.dispose([value, ...Object.values(grads), batch.x, batch.y]);
    model.dispose();
  });
});
