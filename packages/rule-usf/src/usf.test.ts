import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FblError, buildModel, createOptimizer, mlp, sequential, softmaxCrossEntropy, stepSync } from '@feedback-lab/core';
import { NODE_BACKENDS, expectChainOracle, randomBatch, useBackend } from '@feedback-lab/test-utils';
import { usf } from './usf';

// B = c·sign(W) by hand: c = √(2/(fan_in + fan_out)), the xavier initialiser's standard deviation.
const handB = (W: Float32Array, [p, q]: readonly number[], scale = 1) => W.map((w) => scale * Math.sqrt(2 / (p! + q!)) * Math.sign(w));

describe.each(NODE_BACKENDS)('rule-usf on %s', (backend) => {
  it.each([1, 0.5])('updates every layer as the hand-computed chain through c·sign(W) (scale %s)', async (scale) => {
    await expectChainOracle({ rule: usf({ scale }), feedback: (W, shape) => handB(W, shape, scale), arch: [5, 6, 4, 3], backend });
  });
});

describe('rule-usf', () => {
  it('feeds back c·sign(W) through conv kernels too, with c from the receptive field', async () => {
    await useBackend('wasm');
    const model = buildModel({ input: [6, 6, 2], layers: [{ type: 'conv2d', filters: 3, kernel: 3 }, { type: 'conv2d', filters: 5, kernel: 3 }, { type: 'dense', units: 4 }] }, { inputShape: [6, 6, 2], numClasses: 4, seed: 1 });
    const rule = usf();
    const before = tf.memory().numTensors;
    const [B, W] = tf.tidy(() => [rule.feedbackWeights(model, 1)![0]!.dataSync(), model.blocks[1]!.params[0]!.dataSync()]);
    expect(tf.memory().numTensors).toBe(before);
    const c = Math.sqrt(2 / (9 * 3 + 9 * 5));
    expect(Array.from(B!)).toEqual(Array.from(W!, (w) => Math.fround(c) * Math.sign(w)));
    expect(rule.feedbackWeights(model, 0)).toBeUndefined();
    expect(rule.residentBytes!()).toBe(0);
    model.dispose();
  });

  it('refuses a negative or non-finite scale, and blocks that cannot carry feedback on a tape', async () => {
    expect(() => usf({ scale: -1 })).toThrow(/^usf: scale must be a finite number ≥ 0, got -1$/);
    expect(() => usf({ scale: Number.NaN })).toThrow(FblError);
    await useBackend('wasm');
    const base = mlp({ arch: [4, 5, 3], activation: 'tanh', seed: 1 });
    const model = sequential(base.blocks.map((b) => ({ ...b, applyWithFeedback: undefined })));
    const batch = randomBatch(4, 4, 3, 1);
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    expect(() => stepSync(usf(), model, batch, opt, { loss: softmaxCrossEntropy, step: 0 })).toThrow(/^usf: block "dense1" cannot carry feedback on a tape/);
    tf.dispose([batch.x, batch.y]);
    opt.dispose();
    base.dispose();
  });
});
