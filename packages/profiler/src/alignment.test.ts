import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, beforeAll } from 'vitest';
import { createOptimizer, stepSync, mlp, softmaxCrossEntropy, type Batch, type LearningRule } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { dfa } from '@feedback-lab/rule-dfa';
import { fa } from '@feedback-lab/rule-fa';
import { snapshot, useBackend } from '@feedback-lab/test-utils';
import { measureAlignment } from './alignment';

let batches: Batch[] = [];

async function curve(rule: LearningRule, steps: number, every: number) {
  const model = mlp({ arch: [16, 64, 64, 4], activation: 'tanh', seed: 2 });
  const opt = createOptimizer({ name: 'momentum', lr: 0.05 });
  const probe = batches[0]!;
  const points: { step: number; updateAngles: number[]; feedbackAngles: (number | null)[] }[] = [];
  for (let s = 0; s <= steps; s++) {
    if (s % every === 0) points.push({ step: s, ...measureAlignment(model, rule, probe, softmaxCrossEntropy) });
    if (s < steps) stepSync(rule, model, batches[s % batches.length]!, opt, { loss: softmaxCrossEntropy, step: s });
  }
  rule.dispose();
  opt.dispose();
  model.dispose();
  return points;
}

describe('alignment diagnostics', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    const data = blobs({ dim: 16, numClasses: 4, perClass: 128, noise: 1.5, seed: 4 });
    for await (const b of data.batches({ split: 'train', batchSize: 32, shuffle: true, seed: 1 })) batches.push(b);
    return () => tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  });

  it('is 0° for BP and leaves the weights and tensor count unchanged', () => {
    const model = mlp({ arch: [16, 8, 4], activation: 'tanh', seed: 1 });
    const rule = bp();
    const before = snapshot(model.blocks.flatMap((b) => b.params));
    const tensors = tf.memory().numTensors;
    const r = measureAlignment(model, rule, batches[0]!, softmaxCrossEntropy);
    expect(tf.memory().numTensors).toBe(tensors);
    r.updateAngles.forEach((a) => expect(a).toBeLessThan(0.1));
    r.updateRatios.forEach((x) => expect(Math.abs(x - 1)).toBeLessThan(1e-4));
    expect(r.feedbackAngles).toEqual([null, null]);
    model.blocks.flatMap((b) => b.params).forEach((p, i) => expect(Array.from(p.dataSync())).toEqual(Array.from(before[i]!)));
    rule.dispose();
    model.dispose();
  });

  it('sizes a rule\'s step against BP: DFA\'s hidden ratio scales with its feedback, its output block is BP\'s', () => {
    const ratios = (scale: number) => {
      const model = mlp({ arch: [16, 32, 32, 4], activation: 'tanh', seed: 1 });
      const rule = dfa({ seed: 2, scale });
      const r = measureAlignment(model, rule, batches[0]!, softmaxCrossEntropy).updateRatios;
      rule.dispose();
      model.dispose();
      return r;
    };
    const [one, two] = [ratios(1), ratios(2)];
    expect(Math.abs(one[2]! - 1)).toBeLessThan(1e-4);
    for (const i of [0, 1]) expect(two[i]! / one[i]!).toBeCloseTo(2, 4);
  });

  it.each([
    ['fa', (seed: number) => fa({ seed })],
    // the per-unit scale (he-normal's std √(2/4) = fan-out's √(1/64) × √32, same draws): the
    // BP-matched default aligns too, but slower than this 200-step curve allows
    ['dfa', (seed: number) => dfa({ seed, scale: Math.sqrt(32) })],
  ] as const)('%s updates align with BP during training (hidden blocks well below 90°)', async (name, make) => {
    const points = await curve(make(3), 200, 40);
    console.log(`${name} alignment curve (deg per block):\n` + points.map((p) =>
      `  step ${p.step}: update ${p.updateAngles.map((a) => a.toFixed(1)).join(', ')}` +
      (p.feedbackAngles.some((a) => a !== null) ? `; W vs B ${p.feedbackAngles.map((a) => (a === null ? '-' : a.toFixed(1))).join(', ')}` : '')).join('\n'));
    const last = points[points.length - 1]!;
    // the output block gets the true error: the angle is as small as float32 sums resolve (a
    // cosine one float32 step below 1 reads 0.0198°)
    expect(last.updateAngles[2]).toBeLessThan(0.05);
    for (const a of last.updateAngles.slice(0, 2)) expect(a).toBeLessThan(60);
    if (name === 'fa') {
      // W comes to align with B (the mechanism of FA): the angle falls from ~90°.
      expect(last.feedbackAngles[2]!).toBeLessThan(points[0]!.feedbackAngles[2]! - 10);
    }
  });
});
