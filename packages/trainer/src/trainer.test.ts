import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, FblError, mlp, selectBackend, type BatchEndEvent, type LearningRule } from '@feedback-lab/core';
import { spirals } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { scriptedRule } from '@feedback-lab/test-utils';
import { createTrainer } from './trainer';

describe('createTrainer', () => {
  it('fits, emits batch and epoch events, and improves accuracy', async () => {
    await selectBackend('wasm');
    const dataset = spirals({ perClass: 100, seed: 2 });
    const model = mlp({ arch: [2, 32, 32, 3], activation: 'tanh', seed: 1 });
    const batches: BatchEndEvent[] = [];
    const optimizer = createOptimizer({ name: 'adam', lr: 0.02 });
    const trainer = createTrainer({ model, rule: bp(), optimizer, dataset, seed: 1, callbacks: [{ onBatchEnd: (e) => void batches.push(e) }] });
    const before = await trainer.evaluate('test');
    const tensors = tf.memory().numTensors;
    const epochs = await trainer.fit({ epochs: 15, batchSize: 30 });
    expect(epochs).toHaveLength(15);
    expect(batches).toHaveLength(15 * 10);
    expect(batches[9]).toMatchObject({ epoch: 1, batchInEpoch: 10, batchesInEpoch: 10, step: 10 });
    const last = epochs[14]!;
    expect(last.testAccuracy).toBeGreaterThan(before.accuracy + 0.3);
    expect(last.testAccuracy).toBeGreaterThan(0.85);
    expect(last.loss).toBeLessThan(epochs[0]!.loss);
    expect(last.memory.peakBytes).toBeGreaterThan(0);
    // Adam keeps two moment slots per variable (6 variables); nothing else may remain.
    expect(tf.memory().numTensors).toBe(tensors + 2 * 6);
    optimizer.dispose();
    model.dispose();
  });

  it('stops with a typed DIVERGED error when the loss is not finite', async () => {
    const dataset = spirals({ perClass: 10 });
    const model = mlp({ arch: [2, 4, 3], seed: 1 });
    const nanRule = scriptedRule('nan', () => NaN);
    const trainer = createTrainer({ model, rule: nanRule, optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }), dataset });
    const err = await trainer.fit({ epochs: 1, batchSize: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FblError);
    expect((err as FblError).code).toBe('DIVERGED');
    expect((err as Error).message).toMatch(/loss became NaN at step 0 .* rule nan/);
    model.dispose();
  });

  it('rejects bad optimizer settings', () => {
    expect(() => createOptimizer({ name: 'adam', lr: -1 })).toThrow(/learning rate/);
    expect(() => createOptimizer({ name: 'rmsprop' as 'adam', lr: 0.1 })).toThrow(/unknown optimizer "rmsprop"/);
  });
  it('with lossReadEvery k reads losses in bursts of k, still catching a NaN (up to k − 1 steps late)', async () => {
    const model = mlp({ arch: [2, 4, 3], seed: 1 });
    const seen: number[][] = [];
    let burst: number[] = [];
    const rule = scriptedRule('nan-at-5', (step) => (step === 5 ? NaN : 1));
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    const before = tf.memory().numTensors;
    const trainer = createTrainer({
      model, rule, optimizer: opt, dataset: spirals({ perClass: 20 }), lossReadEvery: 4,
      callbacks: [{
        // a step runs (wrapStep) between bursts of batchEnd events
        wrapStep: (run) => ((burst.length && seen.push(burst)), (burst = []), run()),
        onBatchEnd: (e) => void burst.push(e.step),
      }],
    });
    const err = await trainer.fit({ epochs: 1, batchSize: 5 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^loss became NaN at step 5 \(epoch 1\) with rule nan-at-5/);
    expect(seen).toEqual([[1, 2, 3, 4]]); // steps 5–8 were read together; step 6 (index 5) was bad
    expect(burst).toEqual([5]);
    expect(trainer.step).toBe(8); // it had gone on to step 8 before the read
    expect(tf.memory().numTensors).toBe(before);
    expect(() => createTrainer({ model, rule, optimizer: opt, dataset: spirals(), lossReadEvery: 0 })).toThrow(/lossReadEvery must be a positive integer/);
    opt.dispose();
    model.dispose();
  });

  it('passes ctx.mark to the rule, and the phases reach callbacks', async () => {
    const model = mlp({ arch: [2, 4, 3], seed: 1 });
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    const phases: string[] = [];
    const trainer = createTrainer({ model, rule: bp(), optimizer: opt, dataset: spirals({ perClass: 5 }), callbacks: [{ mark: (p) => void phases.push(p) }] });
    await trainer.fit({ epochs: 1, batchSize: 15, limit: 15 });
    expect(phases).toEqual(['forward', 'loss', 'update']);
    opt.dispose();
    model.dispose();
  });
});
