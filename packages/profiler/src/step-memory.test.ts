import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mlp } from '@feedback-lab/core';
import { spirals } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { createOptimizer, createTrainer } from '@feedback-lab/trainer';
import { useBackend } from '@feedback-lab/test-utils';
import { stepMemoryProfiler } from './step-memory';

async function profiledFit(timeline: boolean) {
  await useBackend('wasm');
  const model = mlp({ arch: [2, 16, 16, 3], seed: 1 });
  const optimizer = createOptimizer({ name: 'sgd', lr: 0.1 });
  const prof = stepMemoryProfiler({ every: 3, timeline });
  const trainer = createTrainer({ model, rule: bp(), optimizer, dataset: spirals({ perClass: 20, seed: 1 }), callbacks: [prof] });
  await trainer.fit({ epochs: 1, batchSize: 10 });
  optimizer.dispose();
  model.dispose();
  return prof.records;
}

describe('stepMemoryProfiler', () => {
  it('measures the first step and one in `every`, with peak ≥ start and no leaks', async () => {
    const records = await profiledFit(false);
    expect(records.map((r) => r.step)).toEqual([0, 3]);
    for (const r of records) {
      expect(r.peakBytes).toBeGreaterThan(r.startBytes);
      expect(r.transientBytes).toBe(r.peakBytes - r.startBytes);
      expect(r.newTensors).toBe(0);
      expect(r.timeline).toBeUndefined();
    }
  });

  it('records bytes after every kernel when asked, peaking at the step peak', async () => {
    const tensors = tf.memory().numTensors;
    const [r] = await profiledFit(true);
    expect(r!.timeline).toHaveLength(r!.kernels);
    expect(r!.timeline!.some((p) => p.kernel === 'FblMatMul' || p.kernel === 'BatchMatMul')).toBe(true);
    expect(Math.max(...r!.timeline!.map((p) => p.bytes))).toBe(r!.peakBytes);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
