import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, mlp, type BlockUpdate, type LearningRule } from '@feedback-lab/core';
import { spirals } from '@feedback-lab/datasets';
import { createTrainer } from '@feedback-lab/trainer';
import { snapshot, useBackend } from '@feedback-lab/test-utils';
import { memDfa } from './mem-dfa';

/** MEM-DFA, except that at `step` it trains on NaN inputs (NaN gradients in every block) or skips. */
function tampered(step: number, how: 'nan' | 'skip'): LearningRule {
  const inner = memDfa({ seed: 2 });
  return {
    ...inner,
    *updates(model, batch, ctx): Generator<BlockUpdate, tf.Scalar> {
      if (ctx.step !== step) return yield* inner.updates(model, batch, ctx);
      if (how === 'skip') return tf.scalar(1);
      const x = tf.fill(batch.x.shape, NaN);
      try {
        return yield* inner.updates(model, { ...batch, x }, ctx);
      } finally {
        x.dispose();
      }
    },
  };
}

describe('skip-batch with MEM-DFA', () => {
  it.each(['momentum', 'adam'] as const)('undoes the per-block %s slots too: no NaN stays, weights as if the batch never ran', async (name) => {
    await useBackend('wasm');
    const run = async (rule: LearningRule) => {
      const model = mlp({ arch: [2, 8, 8, 3], activation: 'tanh', seed: 1 });
      const opt = createOptimizer({ name, lr: 0.02 });
      const skipped: number[] = [];
      const trainer = createTrainer({
        model, rule, optimizer: opt, dataset: spirals({ perClass: 20 }), onDiverge: 'skip-batch', seed: 3,
        callbacks: [{ onBatchSkipped: (e) => void skipped.push(e.step) }],
      });
      await trainer.fit({ epochs: 2, batchSize: 10 });
      const saved = opt.save();
      const tensors = Object.values(saved.slots).flatMap((s) => Object.values(s).filter((x): x is tf.Tensor => x instanceof tf.Tensor));
      const slots = tensors.map((t) => Float32Array.from(t.dataSync()));
      tf.dispose(tensors);
      const w = snapshot(model.blocks.flatMap((b) => b.params));
      rule.dispose();
      opt.dispose();
      model.dispose();
      return { w, slots, skipped };
    };
    const bad = await run(tampered(3, 'nan'));
    const ref = await run(tampered(3, 'skip'));
    expect(bad.skipped).toEqual([3]);
    expect(bad.slots.length).toBeGreaterThan(0);
    expect(bad.slots.every((s) => s.every(Number.isFinite))).toBe(true);
    const hex = (ws: Float32Array[]) => ws.map((a) => Buffer.from(a.buffer).toString('hex'));
    expect(hex(bad.w)).toEqual(hex(ref.w));
    expect(hex(bad.slots)).toEqual(hex(ref.slots));
  });
});
