import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, mlp, sequential, type Batch, type Model } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { NODE_BACKENDS, maxAbsDiff, snapshot, trainedWeights, useBackend } from '@feedback-lab/test-utils';
import { fa } from './fa';

/** Weights after `steps` SGD steps of FA (sgd: tfjs's momentum keeps a scalar after dispose); `split` hides applyWithFeedback (per-block path). */
async function train(split: boolean, steps = 8): Promise<Float32Array[]> {
  const data: Batch[] = [];
  for await (const b of blobs({ dim: 8, numClasses: 4, perClass: 64, seed: 2 }).batches({ split: 'train', batchSize: 16, shuffle: true, seed: 1 })) {
    if (data.push(b) === steps) break;
  }
  const base = mlp({ arch: [8, 16, 12, 4], activation: 'tanh', seed: 5 });
  const model: Model = split ? sequential(base.blocks.map((b) => ({ ...b, applyWithFeedback: undefined }))) : base;
  return trainedWeights({ model, owner: base, rule: fa({ seed: 3 }), optimizer: createOptimizer({ name: 'sgd', lr: 0.2 }), batches: data });
}

describe.each(NODE_BACKENDS.map((b) => [b]))('FA on one tape (%s)', (backend) => {
  it('gives the per-block path\'s weights (≤ 1e-5) and leaks nothing', async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const fused = await train(false);
    const perBlock = await train(true);
    expect(Math.max(...fused.map((w, i) => maxAbsDiff(w, perBlock[i]!)))).toBeLessThanOrEqual(1e-5);
    expect(Math.max(...fused.map((w, i) => maxAbsDiff(w, snapshotInit(i))))).toBeGreaterThan(1e-3); // it trained
    expect(tf.memory().numTensors).toBe(before);
  });
});

function snapshotInit(i: number): Float32Array {
  const m = mlp({ arch: [8, 16, 12, 4], activation: 'tanh', seed: 5 });
  const w = snapshot(m.blocks.flatMap((b) => b.params))[i]!;
  m.dispose();
  return w;
}
