import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FblError, createOptimizer, mlp, softmaxCrossEntropy, stepSync, type LearningRule, type Model, type Optimizer } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { captureTrainingState, createTrainer, restoreTrainingState } from '@feedback-lab/trainer';
import { randomBatch, snapshot, useBackend } from '@feedback-lab/test-utils';
import { kp } from './kp';

const arch = [8, 16, 12, 4];

/** KP, except that at `step` it hands B a NaN gradient (as an exploding update of B would). */
function poisonedB(step: number): LearningRule & { inner: ReturnType<typeof kp> } {
  const inner = kp({ seed: 1 });
  return {
    ...inner,
    inner,
    *updates(model, batch, ctx) {
      const it = inner.updates(model, batch, ctx);
      for (let r = it.next(); ; r = it.next()) {
        if (r.done) return r.value;
        if (ctx.step === step) {
          for (const B of inner.variables(model).filter((v) => v.name in r.value.grads)) {
            r.value.grads[B.name]!.dispose();
            r.value.grads[B.name] = tf.fill(B.shape, NaN);
          }
        }
        yield r.value;
      }
    },
  };
}

const steps = (rule: LearningRule, model: Model, opt: Optimizer, from: number, n: number) => {
  for (let s = from; s < from + n; s++) {
    const batch = randomBatch(16, 8, 4, s);
    stepSync(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
    tf.dispose([batch.x, batch.y]);
  }
};

describe('KP with the trainer', () => {
  it('skip-batch undoes a step that made B NaN, restoring B and the weights', async () => {
    await useBackend('wasm');
    const model = mlp({ arch, activation: 'tanh', seed: 1 });
    const rule = poisonedB(3);
    const opt = createOptimizer({ name: 'adam', lr: 0.01 });
    const seen = new Map<number, Float32Array[]>();
    const skipped: number[] = [];
    const trainer = createTrainer({
      model, rule, optimizer: opt, dataset: blobs({ dim: 8, numClasses: 4, perClass: 32, seed: 2 }), onDiverge: 'skip-batch',
      callbacks: [{
        onBatchEnd: (e) => void seen.set(e.step, snapshot([...rule.inner.variables(model), ...model.blocks.flatMap((b) => b.params)])),
        onBatchSkipped: (e) => void skipped.push(e.step),
      }],
    });
    await trainer.fit({ epochs: 1, batchSize: 16 });
    expect(skipped).toEqual([3]);
    // after the skipped step (index 3, event step 4) B and W are as they were after step 3
    expect(seen.get(4)).toEqual(seen.get(3));
    expect(seen.get(5)!.every((a) => a.every(Number.isFinite))).toBe(true);
    for (const x of [rule, opt, model]) x.dispose();
  });

  it('a checkpoint carries B and its optimizer slots: a resumed run continues bit for bit', async () => {
    await useBackend('wasm');
    const a = mlp({ arch, activation: 'tanh', seed: 1 });
    const ra = kp({ seed: 1 });
    const optA = createOptimizer({ name: 'adam', lr: 0.01 });
    steps(ra, a, optA, 0, 3);
    const state = await captureTrainingState(a, optA, ra);
    expect(state.arrays.filter((x) => x.name.startsWith('rulevar/')).map((x) => x.name)).toEqual(['rulevar/0', 'rulevar/1']);
    expect(Object.keys(state.optimizer.numbers)).toContain('rulevar/1');
    // another seed everywhere, so nothing carries over but the checkpoint
    const b = mlp({ arch, activation: 'tanh', seed: 9 });
    const rb = kp({ seed: 9 });
    const optB = createOptimizer({ name: 'adam', lr: 0.01 });
    await restoreTrainingState(b, optB, rb, state);
    steps(ra, a, optA, 3, 3);
    steps(rb, b, optB, 3, 3);
    const all = (m: Model, r: ReturnType<typeof kp>) => snapshot([...m.blocks.flatMap((blk) => blk.params), ...r.variables(m)]);
    expect(all(b, rb)).toEqual(all(a, ra));
    // a checkpoint without B cannot resume KP
    const c = mlp({ arch, activation: 'tanh', seed: 9 });
    const rc = kp({ seed: 9 });
    const optC = createOptimizer({ name: 'adam', lr: 0.01 });
    const stripped = { ...state, arrays: state.arrays.filter((x) => !x.name.startsWith('rulevar/') && !x.name.startsWith('opt/rulevar/')) };
    stripped.optimizer = { ...state.optimizer, numbers: Object.fromEntries(Object.entries(state.optimizer.numbers).filter(([k]) => !k.startsWith('rulevar/'))) };
    const err = await restoreTrainingState(c, optC, rc, stripped).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FblError);
    expect((err as Error).message).toBe('checkpoint holds 0 variables of rule kp but it has 2');
    for (const x of [ra, rb, rc, optA, optB, optC, a, b, c]) x.dispose();
  });
});
