import { describe, expect, it } from 'vitest';
import { createOptimizer, buildModel, canUseFeedbackTape, type Batch, type LearningRule, type ModelSpec } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { NODE_BACKENDS, trainedWeights, useBackend, worstDiff } from '@feedback-lab/test-utils';
import { fa } from './fa';

// FA through batch-norm blocks: the error goes back through the whole tail (the inner tail,
// batch norm in training mode with its batch statistics, the activation) at the true
// pre-activation, then through B in place of W. With B = W that is backprop, on both FA paths:
// the one-tape path (dense blocks have `applyWithFeedback`) and the per-block path (conv).
const SPECS: Record<string, ModelSpec> = {
  dense: {
    input: [12],
    layers: [{ type: 'dense', units: 16, activation: 'sigmoid', batchNorm: true }, { type: 'dense', units: 10, activation: 'relu', batchNorm: true }, { type: 'dense', units: 5 }],
  },
  conv: {
    input: [4, 3, 1],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'sigmoid', batchNorm: true },
      { type: 'conv2d', filters: 5, kernel: 3, padding: 'same', pool: { type: 'max', size: 2 }, activation: 'relu', batchNorm: true },
      { type: 'dense', units: 5 },
    ],
  },
};

async function train(spec: ModelSpec, rule: LearningRule, steps: number): Promise<Float32Array[]> {
  const data: Batch[] = [];
  for await (const b of blobs({ dim: 12, numClasses: 5, perClass: 60, seed: 3 }).batches({ split: 'train', batchSize: 20, shuffle: true, seed: 1 })) {
    if (data.push(b) === steps) break;
  }
  const model = buildModel(spec, { inputShape: [12], numClasses: 5, seed: 5 });
  return trainedWeights({ model, rule, optimizer: createOptimizer({ name: 'momentum', lr: 0.05 }), batches: data });
}

const worst = worstDiff;

describe.each(NODE_BACKENDS.map((b) => [b]))('FA oracles on batch-norm nets, %s', (backend) => {
  it.each(Object.keys(SPECS))('%s: FA with B = W gives backprop\'s params and running statistics (≤ 1e-5); random B does not', async (name) => {
    await useBackend(backend);
    const spec = SPECS[name]!;
    const probe = buildModel(spec, { inputShape: [12], numClasses: 5, seed: 5 });
    expect(canUseFeedbackTape(probe.blocks)).toBe(name === 'dense'); // both FA paths are covered
    probe.dispose();
    const ref = await train(spec, bp(), 8);
    expect(worst(await train(spec, fa({ symmetric: true }), 8), ref)).toBeLessThanOrEqual(1e-5);
    expect(worst(await train(spec, fa({ seed: 2 }), 8), ref)).toBeGreaterThan(1e-4);
  }, 60_000);
});
