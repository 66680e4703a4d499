import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mlp } from './model';
import { softmaxCrossEntropy } from './loss';
import { localGrads } from './local-grads';
import { createOptimizer } from './optimizer';
import { peekUpdates, runStep, stepSync } from './step';
import { useBackend } from './test-numerics';
import type { Batch, BlockUpdate, LearningRule, Model, StepContext } from './types';
import './register';

/**
 * A block-by-block rule (MEM-DFA's schedule with a plain ones signal) that records, after each
 * yield, whether the block's weights had already changed and whether the update's gradients
 * were already freed.
 */
function recordingRule(seen: { applied: boolean; freed: boolean }[]): LearningRule {
  return {
    name: 'recording',
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
      let x = batch.x;
      for (const block of model.blocks) {
        const signal = tf.ones([batch.size, ...block.outputShape]);
        const { grads, output } = localGrads(block, x, signal);
        signal.dispose();
        const before = block.params[0]!.clone();
        yield { block: block.name, grads };
        seen.push({
          applied: tf.tidy(() => tf.any(tf.notEqual(before, block.params[0]!)).dataSync()[0] === 1),
          freed: Object.values(grads).every((g) => g.isDisposed),
        });
        before.dispose();
        if (x !== batch.x) x.dispose();
        x = output;
      }
      const loss = ctx.loss.value(x, batch.y);
      x.dispose();
      return loss;
    },
    dispose() {},
  };
}

const batchOf = (): Batch => ({
  x: tf.randomNormal([4, 6], 0, 1, 'float32', 1),
  y: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3), 'float32')),
  labels: new Uint8Array([0, 1, 2, 0]),
  size: 4,
});

describe('stepSync / runStep', () => {
  it('applies each block\'s update and frees its gradients before the rule continues', async () => {
    await useBackend('wasm');
    const model = mlp({ arch: [6, 5, 4, 3], activation: 'tanh', seed: 1 });
    const batch = batchOf();
    const opt = createOptimizer({ name: 'momentum', lr: 0.1 });
    const seen: { applied: boolean; freed: boolean }[] = [];
    const loss = await runStep(recordingRule(seen), model, batch, opt, { loss: softmaxCrossEntropy, step: 0 });
    expect(Number.isFinite(loss)).toBe(true);
    expect(seen).toEqual(model.blocks.map(() => ({ applied: true, freed: true })));
    opt.dispose();
    model.dispose();
    tf.dispose([batch.x, batch.y]);
  });

  it('leaks no tensor over many steps; peekUpdates leaves the weights alone', async () => {
    await useBackend('wasm');
    const start = tf.memory().numTensors;
    const model = mlp({ arch: [6, 5, 4, 3], activation: 'tanh', seed: 1 });
    const batch = batchOf();
    const opt = createOptimizer({ name: 'adam', lr: 0.01 });
    const rule = recordingRule([]);
    stepSync(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: 0 }).dispose(); // Adam's slots
    const warm = tf.memory().numTensors;
    for (let s = 1; s < 20; s++) await runStep(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: s });
    expect(tf.memory().numTensors).toBe(warm);
    const w = model.blocks[0]!.params[0]!.dataSync().slice();
    const { grads, loss } = peekUpdates(rule, model, batch, { loss: softmaxCrossEntropy, step: 20 });
    expect(Object.keys(grads)).toHaveLength(6);
    expect(model.blocks[0]!.params[0]!.dataSync()).toEqual(w);
    tf.dispose([loss, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(warm);
    opt.dispose();
    model.dispose();
    tf.dispose([batch.x, batch.y]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('ends the rule\'s generator (its finally blocks run) when applying fails', async () => {
    await useBackend('wasm');
    let cleaned = false;
    const rule: LearningRule = {
      name: 'bad',
      *updates() {
        try {
          yield { block: 'b', grads: { 'no-such-variable': tf.zeros([2]) } };
          return tf.scalar(0);
        } finally {
          cleaned = true;
        }
      },
      dispose() {},
    };
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    const model = mlp({ arch: [6, 3], seed: 1 });
    const batch = batchOf();
    const before = tf.memory().numTensors;
    expect(() => stepSync(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: 0 })).toThrow(/no variable named no-such-variable/);
    expect(cleaned).toBe(true);
    expect(tf.memory().numTensors).toBe(before); // the failed update's gradients were freed
    opt.dispose();
    model.dispose();
    tf.dispose([batch.x, batch.y]);
  });
});
