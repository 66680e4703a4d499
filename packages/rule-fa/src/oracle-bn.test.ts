import { describe, expect, it } from 'vitest';
import { createOptimizer, buildModel, canUseFeedbackTape, type Batch, type LearningRule, type ModelSpec } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { NODE_BACKENDS, trainedWeights, useBackend, worstDiff } from '@feedback-lab/test-utils';
import { fa } from './fa';

// FA through batch-norm blocks: the error goes back through the whole tail (the inner tail,
// batch norm in training mode with its batch statistics, the activation) at the true
// pre-activation, then through B in place of W. With B = W that is backprop, on both FA paths:
// the one-tape path (dense and conv blocks have `applyWithFeedback`) and the per-block path
// (blocks without it, e.g. a user's own: here the conv net with it taken away).
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

/** Builds the net; `perBlock` takes `applyWithFeedback` away so FA takes its per-block path. */
function build(spec: ModelSpec, perBlock: boolean) {
  const model = buildModel(spec, { inputShape: [12], numClasses: 5, seed: 5 });
  if (perBlock) for (const b of model.blocks) delete (b as { applyWithFeedback?: unknown }).applyWithFeedback;
  return model;
}

async function train(spec: ModelSpec, rule: LearningRule, steps: number, perBlock = false): Promise<Float32Array[]> {
  const data: Batch[] = [];
  for await (const b of blobs({ dim: 12, numClasses: 5, perClass: 60, seed: 3 }).batches({ split: 'train', batchSize: 20, shuffle: true, seed: 1 })) {
    if (data.push(b) === steps) break;
  }
  const model = build(spec, perBlock);
  return trainedWeights({ model, rule, optimizer: createOptimizer({ name: 'momentum', lr: 0.05 }), batches: data });
}

const worst = worstDiff;

describe.each(NODE_BACKENDS.map((b) => [b]))('FA oracles on batch-norm nets, %s', (backend) => {
  it.each([['dense', false], ['conv', false], ['conv', true]] as const)('%s (per-block path: %s): FA with B = W gives backprop\'s params and running statistics (≤ 1e-5); random B does not', async (name, perBlock) => {
    await useBackend(backend);
    const spec = SPECS[name]!;
    const probe = build(spec, perBlock);
    expect(canUseFeedbackTape(probe.blocks)).toBe(!perBlock); // both FA paths are covered
    probe.dispose();
    const ref = await train(spec, bp(), 8);
    expect(worst(await train(spec, fa({ symmetric: true }), 8, perBlock), ref)).toBeLessThanOrEqual(1e-5);
    expect(worst(await train(spec, fa({ seed: 2 }), 8, perBlock), ref)).toBeGreaterThan(1e-4);
  }, 60_000);
});
