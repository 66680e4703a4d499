import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, stepSync, mlp, softmaxCrossEntropy, type Batch, type FeedbackGenerator } from '@feedback-lab/core';
import { NODE_BACKENDS, maxAbsDiff, snapshot, useBackend, randomBatch } from '@feedback-lab/test-utils';
import { drtp } from './drtp';

const batchOf = randomBatch;

/** A generator the test can reproduce: entries sin(k), whatever the seed. */
const known: FeedbackGenerator = {
  name: 'known',
  generate: (shape) => tf.tensor(Array.from({ length: shape[0]! * shape[1]! }, (_, k) => Math.sin(k)), [...shape]),
};

const ctx = (step: number) => ({ loss: softmaxCrossEntropy, step });
const updates = (before: Float32Array[], after: Float32Array[]) => before.map((w, i) => w.map((v, j) => v - after[i]![j]!));

describe.each(NODE_BACKENDS)('rule-drtp on %s', (backend) => {
  it('applies xᵀ((y*·B/batch) ⊙ tanh′) at the hidden block and the true error at the output (hand-written oracle)', async () => {
    await useBackend(backend);
    const model = mlp({ arch: [6, 5, 3], activation: 'tanh', seed: 4 });
    const batch = batchOf(7, 6, 3, 2);
    const rule = drtp({ seed: 9, generator: known });
    const params = model.blocks.flatMap((b) => b.params);
    const [W1, b1, W2, b2] = params.map((p) => p.clone());
    const before = snapshot(params);
    stepSync(rule, model, batch, createOptimizer({ name: 'sgd', lr: 1 }), ctx(0)).dispose();
    const applied = updates(before, snapshot(params));
    const expected = tf.tidy(() => {
      const h = tf.tanh(tf.add(tf.matMul(batch.x, W1!), b1!));
      const delta = tf.mul(tf.matMul(tf.div(batch.y, batch.size), known.generate([3, 5], 0)), tf.sub(1, tf.square(h)));
      const logits = tf.add(tf.matMul(h, W2!), b2!);
      const e = tf.div(tf.sub(tf.softmax(logits), batch.y), batch.size);
      return [tf.matMul(batch.x, delta, true, false), tf.sum(delta, 0), tf.matMul(h, e, true, false), tf.sum(e, 0)];
    });
    expected.forEach((g, i) => expect(maxAbsDiff(applied[i]!, g.dataSync() as Float32Array), `param ${i}`).toBeLessThan(1e-5));
    tf.dispose([...expected, W1!, b1!, W2!, b2!, batch.x, batch.y]);
    rule.dispose();
    model.dispose();
  });

  // Equal hidden shapes on purpose: tfjs keys optimizer slots by position, and a per-block
  // map would then silently share momentum between blocks instead of throwing.
  it.each(['momentum', 'adam'] as const)('gives the same weights per block as at the end (%s)', async (name) => {
    await useBackend(backend);
    const batch = batchOf(16, 12, 4, 5);
    const run = (schedule: 'per-block' | 'at-end') => {
      const model = mlp({ arch: [12, 16, 16, 16, 4], activation: 'relu', seed: 2 });
      const rule = drtp({ seed: 3, schedule });
      const opt = name === 'adam' ? createOptimizer({ name: 'adam', lr: 0.01 }) : createOptimizer({ name: 'momentum', lr: 0.05 });
      for (let s = 0; s < 4; s++) stepSync(rule, model, batch, opt, ctx(s)).dispose();
      const w = model.blocks.flatMap((b) => snapshot(b.params));
      opt.dispose();
      rule.dispose();
      model.dispose();
      return w;
    };
    const a = run('per-block');
    const b = run('at-end');
    a.forEach((w, i) => expect(maxAbsDiff(w, b[i]!)).toBeLessThan(1e-6));
    tf.dispose([batch.x, batch.y]);
  });

  it.each(['per-block', 'at-end'] as const)('with regenerated projections gives the stored ones\' weights bit for bit, nothing resident (%s)', async (schedule) => {
    await useBackend(backend);
    const batch = batchOf(16, 12, 4, 5);
    const run = (feedback: 'stored' | 'regenerate', seed = 3) => {
      const before = tf.memory().numTensors;
      const model = mlp({ arch: [12, 16, 16, 4], activation: 'tanh', seed: 2 });
      const rule = drtp({ seed, schedule, feedback });
      const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
      for (let s = 0; s < 4; s++) stepSync(rule, model, batch, opt, ctx(s)).dispose();
      const out = { weights: snapshot(model.blocks.flatMap((b) => b.params)).map((w) => Array.from(w)), resident: rule.residentBytes!() };
      opt.dispose();
      rule.dispose();
      model.dispose();
      return { ...out, leaked: tf.memory().numTensors - before };
    };
    const stored = run('stored');
    const regen = run('regenerate');
    expect(regen.weights).toEqual(stored.weights);
    expect([stored.resident, regen.resident]).toEqual([4 * 4 * (16 + 16), 0]);
    expect([stored.leaked, regen.leaked]).toEqual([0, 0]);
    expect(run('regenerate', 4).weights).not.toEqual(stored.weights); // the seed matters
    tf.dispose([batch.x, batch.y]);
  });

  it('keeps at most one block of activations alive: the peak does not grow with depth', async () => {
    await useBackend(backend);
    const batch = batchOf(64, 32, 4, 1);
    const transient = (depth: number) => {
      const model = mlp({ arch: [32, ...Array<number>(depth).fill(256), 4], activation: 'tanh', seed: 1 });
      const rule = drtp({ seed: 1 });
      const opt = createOptimizer({ name: 'sgd', lr: 0.01 });
      stepSync(rule, model, batch, opt, ctx(0)).dispose(); // builds the projections
      const resident = tf.memory().numBytes;
      let peak = resident;
      const mark = () => { peak = Math.max(peak, tf.memory().numBytes); };
      stepSync(rule, model, batch, opt, { ...ctx(1), mark }).dispose();
      opt.dispose();
      rule.dispose();
      model.dispose();
      return peak - resident;
    };
    const shallow = transient(2);
    const deep = transient(8);
    expect(shallow).toBeGreaterThan(0);
    expect(deep).toBe(shallow);
    tf.dispose([batch.x, batch.y]);
  });
});
