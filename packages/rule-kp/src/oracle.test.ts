import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, mlp, peekUpdates, softmaxCrossEntropy, stepSync, type FeedbackGenerator } from '@feedback-lab/core';
import { fa } from '@feedback-lab/rule-fa';
import { NODE_BACKENDS, maxAbsDiff, randomBatch, useBackend } from '@feedback-lab/test-utils';
import { kp } from './kp';

const arch = [8, 16, 12, 4];

describe.each(NODE_BACKENDS.map((b) => [b]))('KP oracles on %s', (backend) => {
  it('updates W as FA does with the same B, gives B W\'s gradient, and decays both by λ·weight', async () => {
    await useBackend(backend);
    const start = tf.memory().numTensors;
    const model = mlp({ arch, activation: 'tanh', seed: 1 });
    const decay = 0.05;
    const rule = kp({ seed: 2, decay });
    const Bs = rule.variables(model);
    expect(Bs.map((B) => B.shape)).toEqual([[16, 12], [12, 4]]); // one B per weight past the first block
    // FA fed KP's B matrices (the shapes differ, so the shape picks the matrix)
    const copy: FeedbackGenerator = { name: 'copy', generate: (shape) => Bs.find((B) => tf.util.arraysEqual(B.shape, [...shape]))!.clone() };
    const reference = fa({ generator: copy });
    const batch = randomBatch(16, 8, 4, 3);
    const ctx = { loss: softmaxCrossEntropy, step: 0 };
    const k = peekUpdates(rule, model, batch, ctx);
    const f = peekUpdates(reference, model, batch, ctx);
    const params = model.blocks.flatMap((b) => b.params);
    for (const p of params) {
      const expected = tf.tidy(() => (p.rank >= 2 ? tf.add(f.grads[p.name]!, tf.mul(p, decay)) : f.grads[p.name]!.clone()));
      expect(maxAbsDiff(k.grads[p.name]!, expected), p.name).toBeLessThan(1e-6);
      expected.dispose();
    }
    const weights = model.blocks.slice(1).map((b) => b.params[0]!);
    Bs.forEach((B, i) => {
      const expected = tf.tidy(() => tf.add(f.grads[weights[i]!.name]!, tf.mul(B, decay)));
      expect(maxAbsDiff(k.grads[B.name]!, expected), `B ${i}`).toBeLessThan(1e-6);
      expected.dispose();
    });
    expect(Object.keys(k.grads)).toHaveLength(params.length + Bs.length);
    tf.dispose([k.loss, f.loss, ...Object.values(k.grads), ...Object.values(f.grads), batch.x, batch.y]);
    for (const x of [rule, reference, model]) x.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('B − W shrinks by exactly (1 − lr·λ) per SGD step, so B converges to W', async () => {
    await useBackend(backend);
    const model = mlp({ arch, activation: 'tanh', seed: 4 });
    const rule = kp({ seed: 5, decay: 0.5 });
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    const weights = model.blocks.slice(1).map((b) => b.params[0]!);
    const gap = () => rule.variables(model).map((B, i) => tf.sub(B, weights[i]!));
    const before = gap();
    const steps = 30;
    for (let s = 0; s < steps; s++) {
      const batch = randomBatch(16, 8, 4, s);
      stepSync(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
      tf.dispose([batch.x, batch.y]);
    }
    const after = gap();
    const factor = (1 - 0.1 * 0.5) ** steps;
    before.forEach((d, i) => {
      const expected = tf.mul(d, factor);
      expect(maxAbsDiff(after[i]!, expected)).toBeLessThan(1e-5);
      expect(tf.tidy(() => tf.max(tf.abs(d)).dataSync()[0]!)).toBeGreaterThan(0.1); // the gap was real to begin with
      expected.dispose();
    });
    tf.dispose([...before, ...after]);
    for (const x of [rule, opt, model]) x.dispose();
  });
});
