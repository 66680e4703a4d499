import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, runStep, stepSync, mlp, softmaxCrossEntropy, type Batch, type Model } from '@feedback-lab/core';
import { NODE_BACKENDS, maxAbsDiff, snapshot, useBackend, randomBatch } from '@feedback-lab/test-utils';
import { bp } from './bp';

const batchOf = randomBatch;

/** Reference loss written with stock tfjs ops only (tf.matMul and its stock gradient). */
function referenceLoss(model: Model, batch: Batch): tf.Scalar {
  let h: tf.Tensor = batch.x;
  model.blocks.forEach((b, i) => {
    const [w, bias] = b.params;
    h = tf.add(tf.matMul(h, w!), bias!);
    if (i < model.blocks.length - 1) h = tf.tanh(h);
  });
  return tf.losses.softmaxCrossEntropy(batch.y, h) as tf.Scalar;
}

describe.each(NODE_BACKENDS)('rule-bp on %s', (backend) => {
  it('applies exactly the autodiff gradient of the whole-model loss (oracle)', async () => {
    await useBackend(backend);
    const model = mlp({ arch: [20, 16, 12, 5], activation: 'tanh', seed: 11 });
    const batch = batchOf(9, 20, 5, 3);
    const params = model.blocks.flatMap((b) => b.params);
    const { value, grads } = tf.variableGrads(() => referenceLoss(model, batch), params);
    const expected = params.map((p) => Float32Array.from(grads[p.name]!.dataSync()));
    const before = snapshot(params);
    const lr = 1;
    const opt = createOptimizer({ name: 'sgd', lr: lr });
    const loss = await runStep(bp(), model, batch, opt, { loss: softmaxCrossEntropy, step: 0 });
    expect(Math.abs(loss - value.dataSync()[0]!)).toBeLessThan(1e-5);
    const after = snapshot(params);
    params.forEach((_, i) => {
      const applied = before[i]!.map((w, j) => (w - after[i]![j]!) / lr);
      expect(maxAbsDiff(applied, expected[i]!)).toBeLessThanOrEqual(1e-5);
    });
    tf.dispose([value, ...Object.values(grads), batch.x, batch.y]);
    opt.dispose();
    model.dispose();
  });

  it('leaves the tensor count unchanged over 100 steps', async () => {
    await useBackend(backend);
    const model = mlp({ arch: [20, 32, 32, 5], activation: 'relu', seed: 1 });
    const batch = batchOf(16, 20, 5, 1);
    const opt = createOptimizer({ name: 'momentum', lr: 0.01 });
    const rule = bp();
    stepSync(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: 0 }).dispose(); // creates momentum slots
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 100; s++) stepSync(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([batch.x, batch.y]);
    opt.dispose();
    model.dispose();
  });
});
