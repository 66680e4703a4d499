import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mlp } from '@feedback-lab/core';
import { spirals } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { NODE_BACKENDS, snapshot, useBackend } from '@feedback-lab/test-utils';
import { OPTIMIZERS, createOptimizer, type OptimizerName } from '@feedback-lab/core';
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
