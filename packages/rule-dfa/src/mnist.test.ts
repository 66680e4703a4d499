import { describe, expect, it } from 'vitest';
import { mlp, selectBackend } from '@feedback-lab/core';
import { loadMnist } from '@feedback-lab/datasets/node';
import { createOptimizer, createTrainer } from '@feedback-lab/trainer';
import { dfa } from './dfa';

// Real data: DFA on the first 10 000 MNIST training images, one epoch, scored on the full
// official 10 000-image test set. Two hidden layers, so the signal is more than one hop.
describe('DFA on real MNIST', () => {
  it('reaches at least 88% test accuracy after one epoch on 10 000 samples', async () => {
    const backend = await selectBackend('wasm');
    const model = mlp({ arch: [784, 256, 256, 10], activation: 'tanh', seed: 1 });
    const optimizer = createOptimizer({ name: 'momentum', lr: 0.01 });
    const rule = dfa({ seed: 1 });
    const trainer = createTrainer({ model, rule, optimizer, dataset: loadMnist(), seed: 1 });
    const [epoch] = await trainer.fit({ epochs: 1, batchSize: 16, limit: 10_000 });
    console.log(`DFA mnist 784-256-256-10 tanh momentum lr 0.01 batch 16, 10k samples, 1 epoch, ${backend.name}: test ${epoch!.testAccuracy}, ${epoch!.samplesPerSec.toFixed(0)} samples/s`);
    expect(epoch!.testAccuracy).toBeGreaterThanOrEqual(0.88);
    rule.dispose();
    optimizer.dispose();
    model.dispose();
  });
});
