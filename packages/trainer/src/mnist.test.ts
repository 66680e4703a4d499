import { describe, expect, it } from 'vitest';
import { mlp, selectBackend } from '@feedback-lab/core';
import { loadMnist } from '@feedback-lab/datasets/node';
import { bp } from '@feedback-lab/rule-bp';
import { createOptimizer } from '@feedback-lab/core';
import { createTrainer } from './trainer';

// Real data: BP on the first 10 000 MNIST training images, one epoch, scored on the full
// official 10 000-image test set.
describe('BP on real MNIST', () => {
  it('reaches at least 90% test accuracy after one epoch on 10 000 samples', async () => {
    const backend = await selectBackend('wasm');
    const model = mlp({ arch: [784, 256, 10], activation: 'relu', seed: 1 });
    const optimizer = createOptimizer({ name: 'momentum', lr: 0.05 });
    const trainer = createTrainer({ model, rule: bp(), optimizer, dataset: loadMnist(), seed: 1 });
    const [epoch] = await trainer.fit({ epochs: 1, batchSize: 64, limit: 10_000 });
    console.log(`BP mnist 784-256-10 relu momentum lr 0.05 batch 64, 10k samples, 1 epoch, ${backend.name}: test ${epoch!.testAccuracy}, ${epoch!.samplesPerSec.toFixed(0)} samples/s`);
    expect(epoch!.testAccuracy).toBeGreaterThanOrEqual(0.9);
    optimizer.dispose();
    model.dispose();
  });
});
