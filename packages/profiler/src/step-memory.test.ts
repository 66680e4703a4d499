import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, mlp, selectBackend } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { createTrainer } from '@feedback-lab/trainer';
import { stepMemoryProfiler } from './step-memory';

async function profile(arch: number[]) {
  const prof = stepMemoryProfiler({ every: 4 });
  const model = mlp({ arch, activation: 'relu', seed: 1 });
  const opt = createOptimizer({ name: 'sgd', lr: 0.05 });
  const trainer = createTrainer({ model, rule: bp(), optimizer: opt, dataset: blobs({ dim: 8, perClass: 40 }), callbacks: [prof] });
  const [epoch] = await trainer.fit({ epochs: 1, batchSize: 16 });
  opt.dispose();
  model.dispose();
  return { prof, epoch: epoch! };
}

describe('stepMemoryProfiler', () => {
  it('samples one step in N and reports peak above the resident bytes', async () => {
    await selectBackend('wasm');
    const { prof, epoch } = await profile([8, 64, 64, 4]);
    expect(prof.records.map((r) => r.step)).toEqual([0, 4, 8]);
    for (const r of prof.records.slice(1)) {
      expect(r.transientBytes).toBeGreaterThan(0);
      expect(r.newTensors).toBe(0);
    }
    expect(epoch.memory.peakBytes).toBe(Math.max(...prof.records.map((r) => r.peakBytes)));
  });

  it("sees BP's activation memory grow with depth", async () => {
    const shallow = (await profile([8, 64, 64, 4])).prof.records.at(-1)!.transientBytes;
    const deep = (await profile([8, 64, 64, 64, 64, 64, 64, 4])).prof.records.at(-1)!.transientBytes;
    expect(deep).toBeGreaterThan(1.5 * shallow);
  });
});
