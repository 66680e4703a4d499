import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildModel, createOptimizer, mlp, modelVariables, type Model, type ModelSpec } from '@feedback-lab/core';
import { spirals } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { NODE_BACKENDS, scriptedRule, snapshot, useBackend } from '@feedback-lab/test-utils';
import { OPTIMIZERS, type OptimizerName } from '@feedback-lab/core';
import { captureTrainingState, restoreTrainingState, type TrainingState } from './training-state';
import { createTrainer, type TrainingPosition } from './trainer';

const dataset = spirals({ perClass: 30, seed: 3 });
const setup = (opt: OptimizerName) => {
  const model = mlp({ arch: [2, 16, 16, 3], activation: 'tanh', seed: 5 });
  return { model, rule: bp(), optimizer: createOptimizer({ name: opt, lr: 0.02 }), dataset, seed: 9 };
};
const bits = (model: ReturnType<typeof mlp>) => snapshot(model.blocks.flatMap((b) => b.params)).map((a) => Buffer.from(a.buffer).toString('base64'));

describe.each(NODE_BACKENDS)('resume on %s', (backend) => {
  it.each(OPTIMIZERS)('%s: stop mid-epoch, restore into fresh objects, finish bit-identical', async (opt) => {
    await useBackend(backend);
    const fit = { epochs: 3, batchSize: 16 };
    const ref = setup(opt);
    await createTrainer(ref).fit(fit);

    // Interrupted run: checkpoint at step 9 (mid-epoch 2 with 6 batches per epoch), then "crash".
    const a = setup(opt);
    let saved: { pos: TrainingPosition; state: TrainingState } | undefined;
    const stop = new Error('crash');
    const t = createTrainer({ ...a, checkpoint: { every: 1, save: async (pos) => {
      if (!saved && pos.step === 9) saved = { pos, state: await captureTrainingState(a.model, a.optimizer, a.rule) };
      if (pos.step === 11) throw stop;
      return 'memory';
    } } });
    await expect(t.fit(fit)).rejects.toBe(stop);
    expect(saved!.pos).toMatchObject({ epoch: 2, batchInEpoch: 3, step: 9 });

    const before = tf.memory().numTensors;
    const b = setup(opt);
    await restoreTrainingState(b.model, b.optimizer, b.rule, saved!.state);
    const resumed = await createTrainer({ ...b, start: saved!.pos }).fit(fit);
    expect(resumed.map((e) => e.epoch)).toEqual([2, 3]);
    expect(bits(b.model)).toEqual(bits(ref.model));
    for (const s of [ref, a, b]) {
      s.optimizer.dispose();
      s.model.dispose();
    }
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });
});

describe('resume with batch norm', () => {
  it('checkpoints carry the running statistics: a resumed run ends bit-identical, statistics included', async () => {
    await useBackend('cpu');
    const spec: ModelSpec = { input: [2], layers: [{ type: 'dense', units: 12, activation: 'sigmoid', batchNorm: true }, { type: 'dense', units: 12, activation: 'relu', batchNorm: { momentum: 0.8 } }, { type: 'dense', units: 3 }] };
    const build = () => ({ model: buildModel(spec, { inputShape: [2], numClasses: 3, seed: 4 }), rule: bp(), optimizer: createOptimizer({ name: 'momentum', lr: 0.05 }), dataset, seed: 9 });
    const all = (m: Model) => snapshot(modelVariables(m)).map((a) => Buffer.from(a.buffer).toString('base64'));
    const fit = { epochs: 2, batchSize: 16 };
    const ref = build();
    const initial = all(ref.model);
    const refEvents = await createTrainer(ref).fit(fit);
    const stats = ref.model.blocks.flatMap((b) => b.stats?.variables ?? []);
    expect(stats).toHaveLength(4);
    expect(all(ref.model).slice(-2)).not.toEqual(initial.slice(-2)); // the statistics moved
    const a = build();
    let saved: { pos: TrainingPosition; state: TrainingState } | undefined;
    const stop = new Error('crash');
    await expect(createTrainer({ ...a, checkpoint: { every: 1, save: async (pos) => {
      if (pos.step === 8) saved = { pos, state: await captureTrainingState(a.model, a.optimizer, a.rule) };
      if (pos.step === 9) throw stop;
      return 'memory';
    } } }).fit(fit)).rejects.toBe(stop);
    const b = build();
    await restoreTrainingState(b.model, b.optimizer, b.rule, saved!.state);
    const events = await createTrainer({ ...b, start: saved!.pos }).fit(fit);
    expect(all(b.model)).toEqual(all(ref.model));
    expect(events.at(-1)!.testAccuracy).toBe(refEvents.at(-1)!.testAccuracy);
    for (const s of [ref, a, b]) {
      s.optimizer.dispose();
      s.model.dispose();
    }
  });
});

describe('the epoch a run resumes in', () => {
  it('is marked with the step it resumed from, and its samples/s counts only the samples trained since', async () => {
    await useBackend('cpu');
    // A clock that moves 1 s per batch: 6 batches of 10 an epoch, so 10 samples/s throughout.
    let t = 0;
    const run = (start?: TrainingPosition) => {
      const model = mlp({ arch: [2, 4, 3], seed: 1 });
      const optimizer = createOptimizer({ name: 'sgd', lr: 0.1 });
      const trainer = createTrainer({
        model, rule: scriptedRule('one', () => 1), optimizer, dataset, now: () => t, start,
        callbacks: [{ onBatchEnd: () => void (t += 1000) }],
      });
      return trainer.fit({ epochs: 2, batchSize: 10, limit: 60 }).finally(() => (model.dispose(), optimizer.dispose()));
    };
    const fresh = await run();
    expect(fresh.map((e) => [e.samplesPerSec, e.seconds, e.resumedAt])).toEqual([[10, 6, undefined], [10, 6, undefined]]);
    // Killed after 4 batches of epoch 1 (loss 3 each): the 2 batches left take 2 s.
    const resumed = await run({ epoch: 1, batchInEpoch: 4, step: 4, lossSum: 4 * 10 * 3, seen: 40 });
    expect(resumed.map((e) => [e.samplesPerSec, e.seconds, e.resumedAt])).toEqual([[10, 2, 4], [10, 6, undefined]]);
    expect(resumed[0]!.loss).toBeCloseTo((40 * 3 + 20 * 1) / 60, 6); // the whole epoch's mean
    // Resumed at an epoch's end, the next epoch is whole.
    const atEnd = await run({ epoch: 2, batchInEpoch: 0, step: 6, lossSum: 0, seen: 0 });
    expect(atEnd.map((e) => [e.epoch, e.resumedAt])).toEqual([[2, undefined]]);
  });
});
