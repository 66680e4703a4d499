import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, stepSync, mlp, softmaxCrossEntropy, type Batch, type Model } from '@feedback-lab/core';
import { NODE_BACKENDS, maxAbsDiff, snapshot, useBackend, randomBatch } from '@feedback-lab/test-utils';
import { signSymmetry } from './sign-symmetry';

const batchOf = randomBatch;

const ctx = { loss: softmaxCrossEntropy, step: 0 };

/** Autodiff gradient of the whole-model loss, one Float32Array per parameter. */
function bpGrads(model: Model, batch: Batch): Float32Array[] {
  const params = model.blocks.flatMap((b) => b.params);
  const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy.value(model.forward(batch.x), batch.y), params);
  const out = params.map((p) => Float32Array.from(grads[p.name]!.dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** Sets every weight matrix to ±c, keeping its signs: then mean|W|·sign(W) = W exactly. */
function flattenMagnitudes(model: Model, c: number): void {
  model.blocks.forEach((b) => b.params.forEach((p) => p.rank >= 2 && p.assign(tf.tidy(() => tf.mul(tf.sign(p), c)))));
}

const applied = (before: Float32Array[], after: Float32Array[], lr: number) =>
  before.map((w, i) => w.map((v, j) => (v - after[i]![j]!) / lr));

describe.each(NODE_BACKENDS)('rule-sign-symmetry on %s', (backend) => {
  it('equals backprop when every |w| is the same (oracle), and differs from it otherwise', async () => {
    await useBackend(backend);
    const batch = batchOf(9, 10, 4, 1);
    for (const flat of [true, false]) {
      const model = mlp({ arch: [10, 12, 8, 4], activation: 'tanh', seed: 5 });
      if (flat) flattenMagnitudes(model, 0.2);
      const params = model.blocks.flatMap((b) => b.params);
      const expected = bpGrads(model, batch);
      const before = snapshot(params);
      stepSync(signSymmetry(), model, batch, createOptimizer({ name: 'sgd', lr: 1 }), ctx).dispose();
      const got = applied(before, snapshot(params), 1);
      const diff = Math.max(...got.map((g, i) => maxAbsDiff(g, expected[i]!)));
      if (flat) expect(diff).toBeLessThan(1e-5);
      else expect(diff).toBeGreaterThan(1e-4);
      // the output block always gets the true gradient
      expect(maxAbsDiff(got[4]!, expected[4]!)).toBeLessThan(1e-5);
      model.dispose();
    }
    tf.dispose([batch.x, batch.y]);
  });

  it('with batch manhattan moves every parameter by lr·sign(gradient)', async () => {
    await useBackend(backend);
    const batch = batchOf(9, 10, 4, 2);
    const run = (batchManhattan: boolean) => {
      const model = mlp({ arch: [10, 12, 4], activation: 'relu', seed: 3 });
      const params = model.blocks.flatMap((b) => b.params);
      const before = snapshot(params);
      stepSync(signSymmetry({ batchManhattan }), model, batch, createOptimizer({ name: 'sgd', lr: 0.5 }), ctx).dispose();
      const moved = applied(before, snapshot(params), 0.5);
      model.dispose();
      return moved;
    };
    const plain = run(false);
    const bm = run(true);
    // Where the plain update is below float32 resolution of w, its sign cannot be read back.
    bm.forEach((g, i) => g.forEach((v, j) => {
      if (Math.abs(plain[i]![j]!) > 1e-6) expect(Math.abs(v - Math.sign(plain[i]![j]!))).toBeLessThan(1e-5);
      else expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-5);
    }));
    tf.dispose([batch.x, batch.y]);
  });
});

describe('rule-sign-symmetry: one tape vs block by block', () => {
  it.each(['mean-abs', 'unit'] as const)('gives the same updates either way (%s feedback)', async (magnitude) => {
    await useBackend('wasm');
    const batch = batchOf(9, 10, 4, 2);
    const run = (tape: boolean) => {
      const model = mlp({ arch: [10, 12, 8, 4], activation: 'tanh', seed: 7 });
      // Without applyWithFeedback the rule falls back to its block-by-block backward pass.
      const view: Model = tape ? model : { ...model, blocks: model.blocks.map((b) => ({ ...b, applyWithFeedback: undefined })) };
      const params = model.blocks.flatMap((b) => b.params);
      const before = snapshot(params);
      const opt = createOptimizer({ name: 'sgd', lr: 1 });
      const rule = signSymmetry({ magnitude });
      for (let s = 0; s < 3; s++) stepSync(rule, view, batch, opt, { ...ctx, step: s }).dispose();
      const delta = applied(before, snapshot(params), 1);
      opt.dispose();
      model.dispose();
      return delta;
    };
    const tape = run(true);
    const perBlock = run(false);
    expect(Math.max(...tape.map((d, i) => maxAbsDiff(d, perBlock[i]!)))).toBeLessThanOrEqual(1e-5);
    expect(Math.max(...tape.map((d) => Math.max(...d.map(Math.abs))))).toBeGreaterThan(1e-3);
    tf.dispose([batch.x, batch.y]);
  });
});
