import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, FblError, mlp, type LearningRule } from '@feedback-lab/core';
import { spirals } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { NODE_BACKENDS, scriptedRule, snapshot, useBackend } from '@feedback-lab/test-utils';
import { allFinite } from './divergence';
import { createTrainer } from './trainer';

/** BP, except that at the listed steps it poisons the weights (as an exploding update would). */
function poisoned(steps: readonly number[]): LearningRule {
  const inner = bp();
  return {
    name: 'poisoned-bp',
    *updates(model, batch, ctx) {
      const loss = yield* inner.updates(model, batch, ctx);
      if (steps.includes(ctx.step)) {
        const w = model.blocks[0]!.params[0]!;
        tf.tidy(() => w.assign(tf.fill(w.shape, NaN)));
      }
      return loss;
    },
    dispose: () => inner.dispose(),
  };
}

describe.each(NODE_BACKENDS)('divergence guard on %s', (backend) => {
  it('finds NaN and Inf in weights', async () => {
    await useBackend(backend);
    const ok = tf.tensor([1, 2, 3e38]);
    const inf = tf.tensor([1, Infinity]);
    const nan = tf.tensor([NaN, 0]);
    expect(allFinite([ok])).toBe(true);
    expect(allFinite([ok, inf])).toBe(false);
    expect(allFinite([nan])).toBe(false);
    tf.dispose([ok, inf, nan]);
  });

  it('stops on a NaN weight, naming the step, the rule and the last good checkpoint', async () => {
    await useBackend(backend);
    const model = mlp({ arch: [2, 8, 3], seed: 1 });
    const opt = createOptimizer({ name: 'momentum', lr: 0.05 });
    const saved: number[] = [];
    const trainer = createTrainer({
      model, rule: poisoned([13]), optimizer: opt, dataset: spirals({ perClass: 20 }),
      checkpoint: { every: 5, save: async (p) => (saved.push(p.step), `ckpt/step-${p.step}`) },
    });
    const err = await trainer.fit({ epochs: 3, batchSize: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FblError);
    expect((err as FblError).code).toBe('DIVERGED');
    expect((err as Error).message).toBe('a weight became NaN or Inf at step 13 (epoch 3) with rule poisoned-bp; last good checkpoint: ckpt/step-12 (step 12); lower the learning rate');
    expect(saved).toEqual([5, 6, 10, 12]); // every 5 steps plus epoch ends (6 batches/epoch); none after the NaN
    opt.dispose();
    model.dispose();
  });

  it('skip-batch undoes the bad step (weights and optimizer state) and reports it', async () => {
    await useBackend(backend);
    const run = async (rule: LearningRule, skipSteps: number[]) => {
      const model = mlp({ arch: [2, 8, 3], seed: 1 });
      const opt = createOptimizer({ name: 'adam', lr: 0.05 });
      const skipped: number[] = [];
      const trainer = createTrainer({
        model, rule, optimizer: opt, dataset: spirals({ perClass: 20 }), onDiverge: 'skip-batch',
        callbacks: [{ onBatchSkipped: (e) => void skipped.push(e.step) }],
      });
      const before = tf.memory().numTensors;
      await trainer.fit({ epochs: 2, batchSize: 10 });
      const w = snapshot(model.blocks.flatMap((b) => b.params));
      const leaked = tf.memory().numTensors - before;
      opt.dispose();
      model.dispose();
      expect(skipped).toEqual(skipSteps);
      return { w, leaked };
    };
    const bad = await run(poisoned([0, 4]), [0, 4]);
    // The reference never takes steps 0 and 4 at all: skipping must leave no trace of them.
    const inner = bp();
    const skipping: LearningRule = { name: 'bp', updates: (m, b, c) => ([0, 4].includes(c.step) ? scriptedRule('bp', () => 1) : inner).updates(m, b, c), dispose() {} };
    const ref = await run(skipping, []);
    expect(bad.w.map((a) => Buffer.from(a.buffer).toString('hex'))).toEqual(ref.w.map((a) => Buffer.from(a.buffer).toString('hex')));
    expect(bad.leaked).toBe(2 * 4); // only Adam's moment slots, created by the first real step
  });

  it('skip-batch gives up after too many bad batches in a row', async () => {
    await useBackend(backend);
    const model = mlp({ arch: [2, 8, 3], seed: 1 });
    const nan = scriptedRule('nan', () => NaN);
    const trainer = createTrainer({ model, rule: nan, optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }), dataset: spirals({ perClass: 20 }), onDiverge: 'skip-batch', maxConsecutiveSkips: 3 });
    await expect(trainer.fit({ epochs: 1, batchSize: 10 })).rejects.toThrow(/loss became NaN on 4 batches in a row at step 3 \(epoch 1\) with rule nan/);
    model.dispose();
  });

  it('skip-batch with every batch of an epoch skipped stops with DIVERGED instead of reporting loss 0', async () => {
    await useBackend(backend);
    const model = mlp({ arch: [2, 8, 3], seed: 1 });
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    const epochs: number[] = [];
    const before = tf.memory().numTensors;
    // 6 batches an epoch, fewer than the 10 skips in a row that stop a run on their own.
    const trainer = createTrainer({
      model, rule: scriptedRule('nan', () => NaN), optimizer: opt, dataset: spirals({ perClass: 20 }), onDiverge: 'skip-batch',
      callbacks: [{ onEpochEnd: (e) => void epochs.push(e.epoch) }],
    });
    const err = await trainer.fit({ epochs: 2, batchSize: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FblError);
    expect((err as FblError).code).toBe('DIVERGED');
    expect((err as Error).message).toBe('the epoch trained nothing: all 6 of its batches were skipped (the last: loss became NaN) at step 5 (epoch 1) with rule nan; ' +
      'no checkpoint was written; lower the learning rate (--lr) or the feedback scale (--feedback-scale)');
    expect(epochs).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    model.dispose();
  });

  it('skip-batch with some batches of an epoch trained reports the mean loss of those', async () => {
    await useBackend(backend);
    const model = mlp({ arch: [2, 8, 3], seed: 1 });
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    const trainer = createTrainer({ model, rule: scriptedRule('nan-but-5', (s) => (s === 5 ? 0.5 : NaN)), optimizer: opt, dataset: spirals({ perClass: 20 }), onDiverge: 'skip-batch' });
    const [e] = await trainer.fit({ epochs: 1, batchSize: 10 });
    expect(e!.loss).toBeCloseTo(0.5, 6);
    expect(e!.samplesPerSec).toBeGreaterThan(0);
    opt.dispose();
    model.dispose();
  });
});
