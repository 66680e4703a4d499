import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, stepSync, buildModel, presetSpec, softmaxCrossEntropy, type Batch, type LearningRule } from '@feedback-lab/core';
import { loadMnist } from '@feedback-lab/datasets/node';
import { dfa } from '@feedback-lab/rule-dfa';
import { NODE_BACKENDS, maxAbsDiff, snapshot, useBackend } from '@feedback-lab/test-utils';
import { memDfa } from './mem-dfa';

// The same equivalence as equivalence.test.ts, on the convolutional mnist-conv preset: DFA's
// B_i have shape [10, C·H·W] of each conv block's flattened output, and MEM-DFA recomputes each
// conv block (conv → max-pool → relu) from pre-update weights in its second pass.
async function weightsAfter(rule: LearningRule, steps: number): Promise<Float32Array[]> {
  const batches: Batch[] = [];
  for await (const b of loadMnist().batches({ split: 'train', batchSize: 16, limit: 16 * steps, shuffle: true, seed: 3 })) batches.push(b);
  const model = buildModel(presetSpec('mnist-conv'), { inputShape: [784], numClasses: 10, seed: 8 });
  const opt = createOptimizer({ name: 'momentum', lr: 0.05 });
  batches.forEach((b, s) => stepSync(rule, model, b, opt, { loss: softmaxCrossEntropy, step: s }).dispose());
  const w = snapshot(model.blocks.flatMap((b) => b.params));
  tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  rule.dispose();
  opt.dispose();
  model.dispose();
  return w;
}

describe.each(NODE_BACKENDS.map((b) => [b]))('MEM-DFA ≡ DFA on mnist-conv, %s', (backend) => {
  it('after 4 steps from one seed the weights of every block agree (≤ 1e-6)', async () => {
    await useBackend(backend);
    const reference = await weightsAfter(dfa({ seed: 4 }), 4);
    const mem = await weightsAfter(memDfa({ seed: 4 }), 4);
    expect(mem).toHaveLength(8); // 2 conv + 2 dense blocks, kernel and bias each
    const diff = Math.max(...mem.map((w, i) => maxAbsDiff(w, reference[i]!)));
    expect(diff).toBeLessThanOrEqual(1e-6);
    const other = await weightsAfter(memDfa({ seed: 5 }), 4);
    expect(Math.max(...other.map((w, i) => maxAbsDiff(w, reference[i]!)))).toBeGreaterThan(1e-4);
  }, 120_000);
});
