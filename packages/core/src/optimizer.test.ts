import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  OPTIMIZERS, createOptimizer, disposeOptimizerState, optimizerStateFromRecord, optimizerStateToRecord, type OptimizerName,
} from './optimizer';
import { useBackend } from './test-numerics';
import './register';

const tfjs = (name: OptimizerName, lr: number): tf.Optimizer =>
  name === 'sgd' ? tf.train.sgd(lr) : name === 'momentum' ? tf.train.momentum(lr, 0.9) : tf.train.adam(lr);

/** Two variables per side with the same start; a seeded gradient sequence of random sizes. */
function pair() {
  const init = [tf.randomNormal([5, 3], 0, 1, 'float32', 1), tf.randomNormal([3], 0, 1, 'float32', 2)];
  const ours = init.map((t) => tf.variable(t));
  const theirs = init.map((t) => tf.variable(t));
  tf.dispose(init);
  const grads = (step: number) => ours.map((v, k) => tf.randomNormal(v.shape, 0, 10 ** ((step % 5) - 3), 'float32', 100 * step + k));
  return { ours, theirs, grads };
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = d.dataSync()[0]!;
  d.dispose();
  return v;
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));

describe('createOptimizer', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const name of OPTIMIZERS) {
      it(`${name} on ${backend}: weights and slots bit-identical to tf.train.${name} over 60 steps`, async () => {
        await useBackend(backend);
        const start = tf.memory().numTensors;
        const { ours, theirs, grads } = pair();
        const opt = createOptimizer({ name, lr: 0.01 });
        const ref = tfjs(name, 0.01);
        for (let s = 0; s < 60; s++) {
          const g = grads(s);
          // ours block by block (as MEM-DFA applies), tfjs in one call
          opt.apply({ [ours[0]!.name]: g[0]! });
          opt.apply({ [ours[1]!.name]: g[1]! });
          ref.applyGradients({ [theirs[0]!.name]: g[0]!, [theirs[1]!.name]: g[1]! });
          tf.dispose(g);
        }
        ours.forEach((v, k) => expect(bits(v), `weight ${k}`).toEqual(bits(theirs[k]!)));
        const [iter, ...refSlots] = await ref.getWeights();
        iter!.tensor.dispose();
        const saved = opt.save();
        const slotNames = name === 'momentum' ? ['momentum'] : name === 'adam' ? ['m', 'v'] : [];
        // tfjs lists the first moments of every variable, then the second moments
        const mine = slotNames.flatMap((slot) => ours.map((v) => saved.slots[v.name]![slot] as tf.Tensor));
        expect(mine.length).toBe(refSlots.length);
        mine.forEach((t, k) => expect(bits(t), `slot ${k}`).toEqual(bits(refSlots[k]!.tensor)));
        if (name === 'adam') {
          const acc = (ref as unknown as { accBeta1: tf.Tensor }).accBeta1.dataSync()[0];
          expect(saved.slots[ours[0]!.name]!.beta1Power).toBe(acc);
        }
        disposeOptimizerState(saved);
        tf.dispose(refSlots.map((w) => w.tensor));
        ref.dispose();
        (ref as unknown as { c?: tf.Tensor }).c?.dispose(); // tfjs 4.22 forgets SGD's −lr scalar
        opt.dispose();
        tf.dispose([...ours, ...theirs]);
        expect(tf.memory().numTensors).toBe(start);
      });
    }
  }

  it('save/load round-trips through a record keyed by position, and a restored run continues bit for bit', async () => {
    await useBackend('wasm');
    const start = tf.memory().numTensors;
    const { ours, theirs, grads } = pair();
    const a = createOptimizer({ name: 'adam', lr: 0.01 });
    const step = (opt: typeof a, vars: tf.Variable[], s: number) => {
      const g = grads(s);
      opt.apply(Object.fromEntries(vars.map((v, k) => [v.name, g[k]!])));
      tf.dispose(g);
    };
    for (let s = 0; s < 3; s++) step(a, ours, s);
    theirs.forEach((v, k) => v.assign(ours[k]!));
    const saved = a.save();
    const key = (n: string) => String(ours.findIndex((v) => v.name === n));
    const { json, tensors } = optimizerStateToRecord(saved, key);
    expect(Object.keys(tensors).sort()).toEqual(['0/m', '0/v', '1/m', '1/v']);
    const b = createOptimizer({ name: 'adam', lr: 0.01 });
    b.load(optimizerStateFromRecord(JSON.parse(JSON.stringify(json)), tensors, (k) => theirs[Number(k)]!.name));
    disposeOptimizerState(saved);
    for (let s = 3; s < 8; s++) {
      step(a, ours, s);
      step(b, theirs, s);
    }
    ours.forEach((v, k) => expect(bits(v)).toEqual(bits(theirs[k]!)));
    const other = b.save();
    const sgd = createOptimizer({ name: 'sgd', lr: 0.1 });
    expect(() => sgd.load(other)).toThrow(/adam's, not sgd's/);
    sgd.dispose();
    disposeOptimizerState(other);
    a.dispose();
    b.dispose();
    tf.dispose([...ours, ...theirs]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('rejects bad settings and unknown variables with one-line errors', async () => {
    await useBackend('wasm');
    expect(() => createOptimizer({ name: 'adam', lr: -1 })).toThrow(/learning rate must be a positive number, got -1/);
    expect(() => createOptimizer({ name: 'rmsprop' as 'adam', lr: 0.1 })).toThrow(/unknown optimizer "rmsprop"/);
    expect(() => createOptimizer({ name: 'sgd', lr: 0.1, decaySteps: 0 })).toThrow(/lr decay steps must be a positive number, got 0/);
    const g = tf.zeros([2]);
    const sgd = createOptimizer({ name: 'sgd', lr: 0.1 });
    expect(() => sgd.apply({ nope: g })).toThrow(/no variable named nope/);
    sgd.dispose();
    g.dispose();
  });

  for (const name of OPTIMIZERS) {
    it(`${name} with decaySteps: update k steps at lr / (1 + k / decaySteps), and the count survives save/load`, async () => {
      await useBackend('cpu');
      const start = tf.memory().numTensors;
      const { ours, theirs, grads } = pair();
      const opt = createOptimizer({ name, lr: 0.02, decaySteps: 4 });
      const updatesOf = (v: tf.Variable) => {
        const st = opt.save();
        const n = st.slots[v.name]!.updates;
        disposeOptimizerState(st);
        return n;
      };
      // Expected weight change of update k, written out: sgd and momentum step by the decayed
      // rate times the (accumulated) gradient; Adam's first step is the rate itself.
      let accRef: tf.Tensor[] = ours.map((v) => tf.zerosLike(v));
      for (let k = 0; k < 10; k++) {
        if (k === 5) {
          // a checkpoint round trip in the middle keeps the count
          const saved = opt.save();
          opt.load(saved);
          disposeOptimizerState(saved);
          expect(updatesOf(ours[0]!)).toBe(5);
        }
        const g = grads(k);
        const before = ours.map((v) => v.clone());
        opt.apply({ [ours[0]!.name]: g[0]!, [ours[1]!.name]: g[1]! });
        const lr = 0.02 / (1 + k / 4);
        if (name !== 'adam') {
          const acc = accRef.map((a, i) => (name === 'momentum' ? tf.tidy(() => tf.add(tf.mul(a, 0.9), g[i]!)) : g[i]!.clone()));
          tf.dispose(accRef);
          accRef = acc;
          for (let i = 0; i < 2; i++) {
            const expected = tf.tidy(() => tf.sub(before[i]!, tf.mul(acc[i]!, lr)));
            expect(maxDiff(ours[i]!, expected)).toBeLessThan(1e-6);
            expected.dispose();
          }
        } else {
          // Adam's first step moves each weight by lr·sign(g) (|m̂/√v̂| = 1): the rate is visible directly.
          if (k === 0) expect(maxDiff(ours[0]!, before[0]!)).toBeCloseTo(lr, 5);
          expect(updatesOf(ours[0]!)).toBe(k + 1);
        }
        tf.dispose([...g, ...before]);
      }
      // without decaySteps nothing is counted (checkpoints as before)
      const plain = createOptimizer({ name, lr: 0.02 });
      const g = grads(0);
      plain.apply({ [theirs[0]!.name]: g[0]! });
      const st = plain.save();
      expect(st.slots[theirs[0]!.name]!.updates).toBeUndefined();
      disposeOptimizerState(st);
      plain.dispose();
      tf.dispose([...g, ...accRef]);
      opt.dispose();
      tf.dispose([...ours, ...theirs]);
      expect(tf.memory().numTensors).toBe(start);
    });
  }
});
