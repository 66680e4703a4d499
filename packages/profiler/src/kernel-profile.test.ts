import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '@feedback-lab/test-utils';
import { profileKernels } from './kernel-profile';

describe('profileKernels', () => {
  it('records every kernel of a step too long for tf.profile', async () => {
    await useBackend('cpu');
    const x = tf.scalar(1);
    const before = tf.memory().numTensors;
    // three real kernels, then the records of 200 000 more (running them takes ~6 s): a step of
    // ~2 000 batch-norm blocks, whose records tf.profile spreads into Math.max
    const run = () => {
      for (let i = 0; i < 3; i++) tf.neg(x).dispose();
      const kernels = (tf.engine().state as unknown as { activeProfile: { kernels: unknown[] } }).activeProfile.kernels;
      const record = kernels[0];
      for (let i = 0; i < 200_000; i++) kernels.push(record);
    };
    await expect(tf.profile(run)).rejects.toThrow(RangeError);
    const p = await profileKernels(run);
    expect(p.kernels).toHaveLength(200_003);
    expect(p.kernels[0]).toMatchObject({ name: 'Neg', outputShapes: [[]] });
    expect(typeof p.kernels[2]!.kernelTimeMs).toBe('number');
    expect(p.newTensors).toBe(0);
    // the same from an async step
    const later = await profileKernels(async () => {
      await new Promise((r) => setTimeout(r, 1));
      run();
    });
    expect(later.kernels).toHaveLength(200_003);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
