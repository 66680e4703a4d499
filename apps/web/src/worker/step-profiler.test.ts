import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mlp, type LearningRule } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { ruleByName } from '@feedback-lab/rules';
import { createOptimizer, createTrainer } from '@feedback-lab/trainer';
import { useBackend } from '@feedback-lab/test-utils';
import { phaseStepProfiler } from './step-profiler';

async function train(rule: LearningRule, arch: number[]) {
  const prof = phaseStepProfiler({ every: 3 });
  const model = mlp({ arch, activation: 'tanh', seed: 1 });
  const optimizer = createOptimizer({ name: 'momentum', lr: 0.01 });
  const wrapped = prof.wrap(rule);
  const trainer = createTrainer({ model, rule: wrapped, optimizer, dataset: blobs({ dim: 8, perClass: 40, seed: 1 }), callbacks: [prof.callback] });
  await trainer.fit({ epochs: 1, batchSize: 16, limit: 112 }); // 7 steps
  wrapped.dispose();
  optimizer.dispose();
  model.dispose();
  return prof.records;
}

describe('phaseStepProfiler', () => {
  it('records profiled steps with the phases the rule marked, and leaks nothing', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const records = await train(await ruleByName('bp').create({ seed: 1 }), [8, 32, 32, 4]);
    expect(records.map((r) => r.step)).toEqual([0, 3, 6]);
    for (const r of records) {
      expect(r.transientBytes).toBe(r.peakBytes - r.startBytes);
      expect(r.timeline.length).toBeGreaterThan(5);
      expect(r.phases.map((p) => p.phase)).toEqual(expect.arrayContaining(['forward', 'update']));
      expect(Math.max(...r.timeline.map((t) => t.bytes))).toBe(r.peakBytes);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('shows MEM-DFA below BP in transient bytes on a deep MLP', async () => {
    const deep = [8, ...Array<number>(8).fill(64), 4];
    const bpPeak = (await train(await ruleByName('bp').create({ seed: 1 }), deep)).at(-1)!.transientBytes;
    const memPeak = (await train(await ruleByName('mem-dfa').create({ seed: 1 }), deep)).at(-1)!.transientBytes;
    expect(memPeak).toBeLessThan(bpPeak);
  });
});
