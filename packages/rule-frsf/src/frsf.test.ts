import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, deriveSeed, FblError, mlp, softmaxCrossEntropy, stepSync } from '@feedback-lab/core';
import { xavier } from '@feedback-lab/feedback';
import { NODE_BACKENDS, expectChainOracle, randomBatch, useBackend } from '@feedback-lab/test-utils';
import { frsf, type FrsfOptions } from './frsf';

// B = |R| ∘ sign(W), R drawn once from the xavier initialiser with seed (seed, frsf, layer, 0)
const handB = (seed: number) => (W: Float32Array, shape: readonly number[], i: number) => {
  const R = xavier().generate(shape, deriveSeed(seed, 'frsf', i, 0));
  const r = R.dataSync();
  R.dispose();
  return W.map((w, j) => Math.abs(r[j]!) * Math.sign(w));
};

describe.each(NODE_BACKENDS)('rule-frsf on %s', (backend) => {
  it.each([['stored', 0], ['stored', 5], ['regenerate', 5]] as const)('updates every layer as the hand-computed chain through |R|∘sign(W) (%s, step %i)', async (feedback, step) => {
    await expectChainOracle({ rule: frsf({ seed: 4, feedback }), feedback: handB(4), arch: [5, 6, 4, 3], backend, step });
  });
});

/** |B| of every fed-back weight, weights after 6 SGD steps and resident bytes; `restore` swaps in a rule rebuilt from the state after 3. */
async function train(o: FrsfOptions, restore: boolean) {
  const start = tf.memory().numTensors;
  const model = mlp({ arch: [5, 6, 4, 3], activation: 'tanh', seed: 2 });
  const batches = [1, 2, 3].map((s) => randomBatch(8, 5, 3, s));
  const opt = createOptimizer({ name: 'sgd', lr: 0.5 });
  let rule = frsf(o);
  const magnitudes = () => tf.tidy(() => [1, 2].map((i) => Array.from(rule.feedbackWeights(model, i)![0]!.dataSync(), Math.abs)));
  const seen = [magnitudes()];
  for (let s = 0; s < 6; s++) {
    if (restore && s === 3) {
      const state = rule.getState!() as Record<string, unknown>;
      rule.dispose();
      rule = frsf({ ...o, seed: 999 });
      await rule.setState!(state);
    }
    stepSync(rule, model, batches[s % 3]!, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
    seen.push(magnitudes());
  }
  const out = { seen, weights: model.blocks.flatMap((b) => b.params.map((p) => Array.from(p.dataSync()))), resident: rule.residentBytes!() };
  rule.dispose();
  opt.dispose();
  model.dispose();
  batches.forEach((b) => tf.dispose([b.x, b.y]));
  return { ...out, leaked: tf.memory().numTensors - start };
}

describe('rule-frsf', () => {
  it('keeps the same magnitudes across batches and through a restore, stored or regenerated', async () => {
    await useBackend('wasm');
    const stored = await train({ seed: 1 }, false);
    for (const m of stored.seen) expect(m).toEqual(stored.seen[0]); // the weights move, |B| does not
    expect(stored.weights).not.toEqual((await train({ seed: 2 }, false)).weights); // the seed matters
    expect(stored.resident).toBe(4 * (6 * 4 + 4 * 3)); // one |R| per weight of blocks 2 and 3
    const restored = await train({ seed: 1 }, true);
    const regenerated = await train({ seed: 1, feedback: 'regenerate' }, true);
    for (const r of [restored, regenerated]) {
      expect(r.weights).toEqual(stored.weights);
      expect(r.seen).toEqual(stored.seen);
      expect(r.leaked).toBe(0);
    }
    expect(regenerated.resident).toBe(0);
    expect(stored.leaked).toBe(0);
  });

  it('refuses a state without a valid seed', () => {
    const rule = frsf();
    expect(() => rule.setState!({ feedbackSeed: -1 })).toThrow(FblError);
    expect(() => rule.setState!({})).toThrow(/^frsf state: feedbackSeed must be a 32-bit unsigned integer, got undefined$/);
    rule.dispose();
  });
});
