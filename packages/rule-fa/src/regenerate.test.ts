import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, stepSync, mlp, sequential, softmaxCrossEntropy, type Model } from '@feedback-lab/core';
import { NODE_BACKENDS, randomBatch, snapshot, useBackend } from '@feedback-lab/test-utils';
import { fa, type FaOptions } from './fa';

/** Weights, resident feedback bytes and tensors left after 6 SGD steps; `split` takes the per-block path. */
function train(o: FaOptions, split: boolean) {
  const before = tf.memory().numTensors;
  const batch = randomBatch(16, 8, 4, 3);
  const base = mlp({ arch: [8, 16, 12, 4], activation: 'tanh', seed: 5 });
  const model: Model = split ? sequential(base.blocks.map((b) => ({ ...b, applyWithFeedback: undefined }))) : base;
  const rule = fa(o);
  const opt = createOptimizer({ name: 'sgd', lr: 0.2 });
  for (let s = 0; s < 6; s++) stepSync(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
  const out = { weights: snapshot(base.blocks.flatMap((b) => b.params)).map((w) => Array.from(w)), resident: rule.residentBytes!() };
  tf.dispose([batch.x, batch.y]);
  rule.dispose();
  opt.dispose();
  base.dispose();
  return { ...out, leaked: tf.memory().numTensors - before };
}

describe.each(NODE_BACKENDS.map((b) => [b]))('FA with regenerated feedback on %s', (backend) => {
  it.each([['one tape', false], ['per block', true]] as const)('%s: the stored feedback\'s weights bit for bit, nothing resident', async (_, split) => {
    await useBackend(backend);
    const stored = train({ seed: 2 }, split);
    const regen = train({ seed: 2, feedback: 'regenerate' }, split);
    expect(regen.weights).toEqual(stored.weights);
    expect(stored.resident).toBe(4 * (16 * 12 + 12 * 4)); // B for the weights of blocks 2 and 3
    expect(regen.resident).toBe(0);
    expect([stored.leaked, regen.leaked]).toEqual([0, 0]);
    expect(train({ seed: 3, feedback: 'regenerate' }, split).weights).not.toEqual(stored.weights); // the seed matters
  });

  it('hands out feedback weights that a tidy frees, equal to the stored ones', async () => {
    await useBackend(backend);
    const model = mlp({ arch: [8, 16, 12, 4], activation: 'tanh', seed: 5 });
    const stored = fa({ seed: 2 });
    const regen = fa({ seed: 2, feedback: 'regenerate' });
    const before = tf.memory().numTensors;
    const same = tf.tidy(() => [1, 2].every((i) => tf.util.arraysEqual(
      regen.feedbackWeights(model, i)![0]!.dataSync(), stored.feedbackWeights(model, i)![0]!.dataSync())));
    expect(same).toBe(true);
    expect(tf.memory().numTensors).toBe(before + 2); // the stored rule keeps its two B
    stored.dispose();
    regen.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
