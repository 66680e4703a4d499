import { describe, expect, it } from 'vitest';
import { createOptimizer, buildModel, presetSpec, type Batch, type LearningRule } from '@feedback-lab/core';
import { loadMnist } from '@feedback-lab/datasets/node';
import { bp } from '@feedback-lab/rule-bp';
import { NODE_BACKENDS, trainedWeights, useBackend, worstDiff } from '@feedback-lab/test-utils';
import { fa } from './fa';

// FA on conv blocks: the error goes back through the block's own tail (max-pool routing, relu)
// at the true pre-activation, then through a kernel of W's shape. With that kernel = W, FA must
// be backprop exactly; with a random one it must not be.
async function train(rule: LearningRule, steps: number): Promise<Float32Array[]> {
  const data: Batch[] = [];
  for await (const b of loadMnist().batches({ split: 'train', batchSize: 16, limit: 16 * steps, shuffle: true, seed: 1 })) data.push(b);
  const model = buildModel(presetSpec('mnist-conv'), { inputShape: [784], numClasses: 10, seed: 5 });
  return trainedWeights({ model, rule, optimizer: createOptimizer({ name: 'momentum', lr: 0.05 }), batches: data });
}

const worst = worstDiff;

describe.each(NODE_BACKENDS.map((b) => [b]))('FA oracles on mnist-conv, %s', (backend) => {
  it('FA with B = W gives backprop\'s weights (≤ 1e-5); random B does not', async () => {
    await useBackend(backend);
    const ref = await train(bp(), 3);
    expect(worst(await train(fa({ symmetric: true }), 3), ref)).toBeLessThanOrEqual(1e-5);
    expect(worst(await train(fa({ seed: 2 }), 3), ref)).toBeGreaterThan(1e-4);
  }, 120_000);
});
