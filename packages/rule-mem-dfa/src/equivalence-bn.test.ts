import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildModel, modelVariables, predict, softmaxCrossEntropy, type Batch, type LearningRule, type ModelSpec } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { dfa } from '@feedback-lab/rule-dfa';
import { NODE_BACKENDS, maxAbsDiff, snapshot, useBackend } from '@feedback-lab/test-utils';
import { memDfa } from './mem-dfa';

// MEM-DFA ≡ DFA on batch-norm nets. MEM-DFA's second pass recomputes every block, batch
// norm included, on the same batch with pre-update weights, so it sees the same batch
// statistics as its first pass (and as DFA's one pass); the running statistics advance once per
// step (when the block's γ is updated), so they too must equal DFA's after every step.
const SPECS: Record<string, ModelSpec> = {
  'dense → BN → sigmoid': {
    input: [12],
    layers: [
      { type: 'dense', units: 24, activation: 'sigmoid', batchNorm: true },
      { type: 'dense', units: 20, activation: 'sigmoid', batchNorm: true },
      { type: 'dense', units: 5 },
    ],
  },
  'conv → BN → relu': {
    input: [4, 3, 1],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu', batchNorm: true },
      { type: 'conv2d', filters: 5, kernel: 3, padding: 'same', pool: { type: 'max', size: 2 }, activation: 'sigmoid', batchNorm: { momentum: 0.8 } },
      { type: 'dense', units: 16, activation: 'relu', batchNorm: true },
      { type: 'dense', units: 5 },
    ],
  },
};

async function after(spec: ModelSpec, rule: LearningRule, steps: number, optimizer: () => tf.Optimizer) {
  const batches: Batch[] = [];
  for await (const b of blobs({ dim: 12, numClasses: 5, perClass: 80, seed: 6 }).batches({ split: 'train', batchSize: 20, shuffle: true, seed: 2 })) {
    if (batches.push(b) === steps) break;
  }
  const model = buildModel(spec, { inputShape: [12], numClasses: 5, seed: 8 });
  const opt = optimizer();
  batches.forEach((b, s) => rule.step(model, b, opt, { loss: softmaxCrossEntropy, step: s }));
  const weights = snapshot(modelVariables(model));
  const logits = tf.tidy(() => predict(model, batches[0]!.x));
  const inferred = [Float32Array.from(logits.dataSync())];
  tf.dispose([logits, ...batches.flatMap((b) => [b.x, b.y])]);
  rule.dispose();
  opt.dispose();
  model.dispose();
  return { weights, inferred };
}

describe.each(NODE_BACKENDS.map((b) => [b]))('MEM-DFA ≡ DFA with batch norm on %s', (backend) => {
  it.each(Object.keys(SPECS).flatMap((net) => (['stored', 'regenerate'] as const).map((mode) => [net, mode] as const)))(
    '%s, feedback %s: after 12 steps the params, γ, β and running statistics agree (≤ 1e-6)', async (net, mode) => {
      await useBackend(backend);
      const spec = SPECS[net]!;
      const momentum = () => tf.train.momentum(0.05, 0.9);
      const reference = await after(spec, dfa({ seed: 4 }), 12, momentum);
      const mem = await after(spec, memDfa({ seed: 4, feedback: mode }), 12, momentum);
      expect(mem.weights).toHaveLength(reference.weights.length);
      expect(Math.max(...mem.weights.map((w, i) => maxAbsDiff(w, reference.weights[i]!)))).toBeLessThanOrEqual(1e-6);
      // inference (running statistics) gives the same logits too
      expect(maxAbsDiff(mem.inferred[0]!, reference.inferred[0]!)).toBeLessThanOrEqual(1e-5);
      // the statistics moved away from their start (0 and 1), so the comparison can fail
      const runningMean = reference.weights[4]!; // block 1: kernel, bias, γ, β, then mean, variance
      expect(runningMean).toHaveLength(spec.layers[0]!.type === 'dense' ? 24 : 4);
      expect(Math.max(...runningMean.map(Math.abs))).toBeGreaterThan(1e-3);
      const other = await after(spec, memDfa({ seed: 5, feedback: mode }), 12, momentum);
      expect(Math.max(...other.weights.map((w, i) => maxAbsDiff(w, reference.weights[i]!)))).toBeGreaterThan(1e-3);
    }, 60_000);

  it('holds with Adam on the dense BN net', async () => {
    await useBackend(backend);
    const adam = () => tf.train.adam(0.01);
    const spec = SPECS['dense → BN → sigmoid']!;
    const reference = await after(spec, dfa({ seed: 4 }), 12, adam);
    const mem = await after(spec, memDfa({ seed: 4 }), 12, adam);
    expect(Math.max(...mem.weights.map((w, i) => maxAbsDiff(w, reference.weights[i]!)))).toBeLessThanOrEqual(1e-6);
  });
});
