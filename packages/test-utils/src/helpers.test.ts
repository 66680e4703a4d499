import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, snapshot } from './compare';
import { tensorsLeftBy } from './leaks';
import { useBackend } from './backends';

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
});
