import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, snapshot } from './compare';
import { tensorsLeftBy } from './leaks';
import { useBackend } from './backends';
import { createOptimizer, mlp, type BlockUpdate, type LearningRule } from '@feedback-lab/core';
import { randomBatch } from './batch';
import { trainedWeights, worstDiff } from './train';

describe('test helpers', () => {
  it('measure differences and leaks', async () => {
    await useBackend('cpu');
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 2])).toBe(1);
    expect(() => maxAbsDiff([1], [1, 2])).toThrow(/length mismatch/);
    let kept: tf.Tensor | undefined;
    expect(await tensorsLeftBy(() => tf.tidy(() => tf.add(tf.ones([2]), 1)).dispose())).toBe(0);
    expect(await tensorsLeftBy(() => void (kept = tf.ones([2])))).toBe(1);
    const v = tf.variable(tf.tensor1d([1, 2]));
    const snap = snapshot([v]);
    v.assign(tf.tensor1d([5, 5]));
    expect(Array.from(snap[0]!)).toEqual([1, 2]);
    tf.dispose([kept!, v]);
  });

  it('trainedWeights steps once per batch, snapshots every variable and frees everything', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    // a rule that moves the first block's params by a gradient of ones each step
    const nudge = (): LearningRule => ({
      name: 'nudge',
      *updates(model): Generator<BlockUpdate, tf.Scalar> {
        const b = model.blocks[0]!;
        yield { block: b.name, grads: Object.fromEntries(b.params.map((p) => [p.name, tf.onesLike(p)])) };
        return tf.scalar(0);
      },
      dispose() {},
    });
    const run = (steps: number) => trainedWeights({
      model: mlp({ arch: [4, 6, 3], seed: 1 }), rule: nudge(), optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }),
      batches: Array.from({ length: steps }, (_, i) => randomBatch(5, 4, 3, i)),
    });
    const none = run(0);
    const two = run(2);
    expect(none.map((w) => w.length)).toEqual([24, 6, 18, 3]);
    expect(worstDiff(none, two)).toBeGreaterThan(0);
    expect(worstDiff(two, two)).toBe(0);
    expect(() => worstDiff(none, none.slice(1))).toThrow(/4 arrays vs 3/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
