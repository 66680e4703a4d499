import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { deriveSeed, mlp } from '@feedback-lab/core';
import { xavier } from '@feedback-lab/feedback';
import { NODE_BACKENDS, expectChainOracle, useBackend } from '@feedback-lab/test-utils';
import { brsf } from './brsf';

// B = |R| ∘ sign(W), R of step t drawn from the xavier initialiser with seed (seed, brsf, t, layer, 0)
const handB = (seed: number) => (W: Float32Array, shape: readonly number[], i: number, step: number) => {
  const R = xavier().generate(shape, deriveSeed(seed, 'brsf', step, i, 0));
  const r = R.dataSync();
  R.dispose();
  return W.map((w, j) => Math.abs(r[j]!) * Math.sign(w));
};

describe.each(NODE_BACKENDS)('rule-brsf on %s', (backend) => {
  it.each([0, 3])('updates every layer as the hand-computed chain through |R_t|∘sign(W) (step %i)', async (step) => {
    await expectChainOracle({ rule: brsf({ seed: 4 }), feedback: handB(4), arch: [5, 6, 4, 3], backend, step });
  });
});

describe('rule-brsf', () => {
  it('redraws the magnitudes every step, keeps W\'s signs, stores nothing', async () => {
    await useBackend('wasm');
    const model = mlp({ arch: [5, 6, 4, 3], activation: 'tanh', seed: 2 });
    const rule = brsf({ seed: 1 });
    const before = tf.memory().numTensors;
    const [b0, b1, again, W] = tf.tidy(() => [
      ...[0, 1, 0].map((step) => rule.feedbackWeights(model, 1, step)![0]!.dataSync()),
      model.blocks[1]!.params[0]!.dataSync(),
    ]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(b0!)).not.toEqual(Array.from(b1!)); // two batches, two B
    expect(Array.from(again!)).toEqual(Array.from(b0!)); // a step's B is a function of the step
    for (const B of [b0!, b1!]) B.forEach((v, j) => expect(Math.sign(v)).toBe(Math.sign(W![j]!)));
    expect(rule.residentBytes!()).toBe(0);
    expect(rule.getState!()).toEqual({ feedbackSeed: 1 });
    rule.dispose();
    model.dispose();
  });
});
