import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NODE_BACKENDS, useBackend } from '@feedback-lab/test-utils';
import { OPTIMIZERS, createOptimizer } from './optimizers';

describe('createOptimizer', () => {
  for (const backend of NODE_BACKENDS) {
    for (const name of OPTIMIZERS) {
      it(`${name} on ${backend} frees everything it allocated when disposed`, async () => {
        await useBackend(backend);
        const w = tf.variable(tf.ones([3, 2]));
        const before = tf.memory().numTensors;
        const opt = createOptimizer({ name, lr: 0.1 });
        for (let i = 0; i < 2; i++) opt.minimize(() => tf.sum(tf.square(w)), false, [w]);
        expect(w.dataSync()[0]).toBeLessThan(1); // it did step
        opt.dispose();
        expect(tf.memory().numTensors).toBe(before);
        w.dispose();
      });
    }
  }
});
