import { describe, expect, it } from 'vitest';
import { buildModel, presetSpec, selectBackend } from '@feedback-lab/core';
import { loadMnist } from '@feedback-lab/datasets/node';
import { bp } from '@feedback-lab/rule-bp';
import { createOptimizer } from '@feedback-lab/core';
import { createTrainer } from './trainer';

// Real data through the conv blocks: BP on mnist-conv (LeNet-style, the MEM-DFA authors'
// MNIST CNN), the first 10 000 training images, one epoch, scored on the full official test set.
// Runs the FblConv2D/FblMaxPool gradients on wasm end to end (~30 s on a loaded 2-core machine).
describe('BP on real MNIST with mnist-conv', () => {
  it('reaches at least 95% test accuracy after one epoch on 10 000 samples', async () => {
    const backend = await selectBackend('wasm');
    const dataset = loadMnist();
    const model = buildModel(presetSpec('mnist-conv'), { inputShape: dataset.inputShape, numClasses: 10, seed: 1 });
    const optimizer = createOptimizer({ name: 'momentum', lr: 0.05 });
    const trainer = createTrainer({ model, rule: bp(), optimizer, dataset, seed: 1 });
    const [epoch] = await trainer.fit({ epochs: 1, batchSize: 64, limit: 10_000, trainEvalLimit: 1000 });
    console.log(`BP mnist-conv momentum lr 0.05 batch 64, 10k samples, 1 epoch, ${backend.name}: test ${epoch!.testAccuracy}, ${epoch!.seconds.toFixed(1)} s, ${epoch!.samplesPerSec.toFixed(0)} samples/s`);
    expect(epoch!.testAccuracy).toBeGreaterThanOrEqual(0.95);
    optimizer.dispose();
    model.dispose();
  }, 300_000);
});
