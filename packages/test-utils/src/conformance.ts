import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, beforeAll } from 'vitest';
import {
  createOptimizer, disposeOptimizerState, mlp, modelVariables, peekUpdates, runStep, softmaxCrossEntropy, stepSync,
  type Batch, type LearningRule, type Model, type Optimizer,
} from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { useBackend } from './backends';
import { snapshot, maxAbsDiff } from './compare';

export interface ConformanceOptions {
  /** Builds the rule under test for a given seed. */
  create: (seed: number) => LearningRule;
  /** Backend to run on (default wasm). */
  backend?: 'wasm' | 'cpu';
  /** Builds the model the suite trains; default an 8-32-32-4 tanh MLP. */
  model?: (seed: number) => Model;
  /** Learning rate for plain SGD (default 0.1). */
  lr?: number;
}

async function firstBatches(n: number, batchSize: number): Promise<Batch[]> {
  const data = blobs({ numClasses: 4, dim: 8, perClass: 64, seed: 3 });
  const out: Batch[] = [];
  for await (const b of data.batches({ split: 'train', batchSize, shuffle: true, seed: 1 })) {
    out.push(b);
    if (out.length === n) break;
  }
  return out;
}

/**
 * The contract every LearningRule must meet. Call it inside a test file:
 * `describeRuleConformance('dfa', { create: (seed) => dfa({ seed }) })`.
 */
export function describeRuleConformance(name: string, o: ConformanceOptions): void {
  const makeModel = o.model ?? ((seed: number) => mlp({ arch: [8, 32, 32, 4], activation: 'tanh', seed }));
  const run = async (rule: LearningRule, model: Model, batches: readonly Batch[], steps: number) => {
    const opt = createOptimizer({ name: 'sgd', lr: o.lr ?? 0.1 });
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      losses.push(await runStep(rule, model, batches[s % batches.length]!, opt, { loss: softmaxCrossEntropy, step: s }));
    }
    opt.dispose();
    return losses;
  };

  describe(`rule conformance: ${name}`, () => {
    let batches: Batch[] = [];
    beforeAll(async () => {
      await useBackend(o.backend ?? 'wasm');
      batches = await firstBatches(8, 32);
      return () => batches.forEach((b) => tf.dispose([b.x, b.y]));
    });

    it('decreases the loss on a synthetic task', async () => {
      const model = makeModel(1);
      const rule = o.create(1);
      const losses = await run(rule, model, batches, 160);
      const first = mean(losses.slice(0, 8));
      const last = mean(losses.slice(-8));
      expect(last).toBeLessThan(0.5 * first);
      rule.dispose();
      model.dispose();
    });

    it('changes the parameters of every block', async () => {
      const model = makeModel(2);
      const rule = o.create(2);
      const before = model.blocks.map((b) => snapshot(b.params));
      await run(rule, model, batches, 1);
      model.blocks.forEach((b, i) => {
        const after = snapshot(b.params);
        const moved = Math.max(...after.map((p, j) => maxAbsDiff(p, before[i]![j]!)));
        expect(moved, `block ${b.name}`).toBeGreaterThan(0);
      });
      rule.dispose();
      model.dispose();
    });

    it('gives identical weights for the same seed', async () => {
      const result = async () => {
        const model = makeModel(3);
        const rule = o.create(3);
        await run(rule, model, batches, 5);
        const w = model.blocks.flatMap((b) => snapshot(b.params));
        rule.dispose();
        model.dispose();
        return w;
      };
      const a = await result();
      const b = await result();
      a.forEach((w, i) => expect(maxAbsDiff(w, b[i]!)).toBe(0));
    });

    it('resumes from getState/setState: a rule built with another seed continues identically', async () => {
      // What a checkpoint does: copy the weights and the optimizer's state, build the rule
      // afresh (with another seed, so nothing is shared by accident) and hand it the saved
      // state. Random-feedback rules must save their feedback seeds or matrices; optimizer state
      // is all in the optimizer (Adam here, whose state is the richest).
      const steps = (rule: LearningRule, model: Model, opt: Optimizer, from: number, n: number) => {
        for (let s = from; s < from + n; s++) stepSync(rule, model, batches[s % batches.length]!, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
      };
      const a = makeModel(5);
      const b = makeModel(6);
      const ra = o.create(5);
      const rb = o.create(1234);
      const optA = createOptimizer({ name: 'adam', lr: (o.lr ?? 0.1) / 10 });
      const optB = createOptimizer({ name: 'adam', lr: (o.lr ?? 0.1) / 10 });
      steps(ra, a, optA, 0, 3);
      // the model's and the rule's trainable variables, in the same order in both runs
      const trainA = [...a.blocks.flatMap((blk) => blk.params), ...(ra.variables?.(a) ?? [])];
      const trainB = [...b.blocks.flatMap((blk) => blk.params), ...(rb.variables?.(b) ?? [])];
      expect(trainB.length).toBe(trainA.length);
      trainB.forEach((p, i) => p.assign(trainA[i]!));
      // optimizer state is keyed by variable name: rename a's slots to b's
      const names = new Map(trainA.map((p, i) => [p.name, trainB[i]!.name] as const));
      const saved = optA.save();
      optB.load({ options: saved.options, slots: Object.fromEntries(Object.entries(saved.slots).map(([k, v]) => [names.get(k)!, v])) });
      disposeOptimizerState(saved);
      const state = await ra.getState?.();
      if (state) await rb.setState!(state);
      steps(ra, a, optA, 3, 4);
      steps(rb, b, optB, 3, 4);
      const wa = a.blocks.flatMap((blk) => snapshot(blk.params));
      const wb = b.blocks.flatMap((blk) => snapshot(blk.params));
      wa.forEach((w, i) => expect(maxAbsDiff(w, wb[i]!), `param ${i}`).toBe(0));
      for (const x of [ra, rb]) x.dispose();
      for (const x of [optA, optB]) x.dispose();
      for (const m of [a, b]) m.dispose();
    });

    it('a probe (peekUpdates) changes nothing: weights, rule variables, rule state, optimizer state, later steps', async () => {
      const train = (rule: LearningRule, model: Model, opt: Optimizer, from: number, n: number) => {
        for (let s = from; s < from + n; s++) stepSync(rule, model, batches[s % batches.length]!, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
      };
      const setup = () => {
        const model = makeModel(8);
        const rule = o.create(8);
        const opt = createOptimizer({ name: 'adam', lr: (o.lr ?? 0.1) / 10 });
        train(rule, model, opt, 0, 3);
        return { model, rule, opt };
      };
      const probed = setup();
      const plain = setup();
      const before = await everything(probed.model, probed.rule, probed.opt);
      for (const s of [3, 4]) {
        const { grads, loss } = peekUpdates(probed.rule, probed.model, batches[s % batches.length]!, { loss: softmaxCrossEntropy, step: s });
        tf.dispose([loss, ...Object.values(grads)]);
      }
      expect(await everything(probed.model, probed.rule, probed.opt)).toEqual(before);
      // and what getState does not show (a generator's position): the next steps are the same
      train(probed.rule, probed.model, probed.opt, 3, 2);
      train(plain.rule, plain.model, plain.opt, 3, 2);
      const [x, y] = await Promise.all([everything(probed.model, probed.rule, probed.opt), everything(plain.model, plain.rule, plain.opt)]);
      expect(x.weights).toEqual(y.weights);
      for (const r of [probed, plain]) {
        r.rule.dispose();
        r.opt.dispose();
        r.model.dispose();
      }
    });

    it('reads no tensor synchronously inside a step (no GPU stall)', () => {
      const model = makeModel(7);
      const rule = o.create(7);
      const opt = createOptimizer({ name: 'sgd', lr: 0.05 });
      const backend = tf.backend();
      const readSync = backend.readSync.bind(backend);
      let reads = 0;
      backend.readSync = (dataId) => (reads++, readSync(dataId));
      try {
        for (let s = 0; s < 2; s++) stepSync(rule, model, batches[s]!, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
      } finally {
        backend.readSync = readSync;
      }
      expect(reads).toBe(0);
      rule.dispose();
      opt.dispose();
      model.dispose();
    });

    it('leaks no tensors per step and frees its state on dispose', () => {
      const start = tf.memory().numTensors;
      const model = makeModel(4);
      const rule = o.create(4);
      const opt = createOptimizer({ name: 'adam', lr: 0.01 });
      const step = (s: number) => stepSync(rule, model, batches[s % batches.length]!, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
      step(0); // warm-up: optimizer slots and lazily built feedback
      const warm = tf.memory().numTensors;
      for (let s = 1; s < 30; s++) step(s);
      expect(tf.memory().numTensors).toBe(warm);
      rule.dispose();
      opt.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(start);
    });
  });
}

/**
 * Plain copies of a run's state, for bit-for-bit comparison: the model's variables, the rule's
 * own, its `getState()` and the optimizer's slots in the order of `vars` (names differ per run).
 */
async function everything(model: Model, rule: LearningRule, opt: Optimizer) {
  const vars = [...modelVariables(model), ...(rule.variables?.(model) ?? [])];
  const copy = (t: tf.Tensor) => Array.from(t.dataSync());
  const state = Object.entries((await rule.getState?.()) ?? {}).map(([k, v]) => [k, v instanceof tf.Tensor ? copy(v) : v]);
  const saved = opt.save();
  const slots = vars.map((v) => Object.entries(saved.slots[v.name] ?? {}).map(([k, x]) => [k, x instanceof tf.Tensor ? copy(x) : x]));
  disposeOptimizerState(saved);
  return { weights: vars.map(copy), state, slots };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
