import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '@feedback-lab/core';
import { NODE_BACKENDS, useBackend } from '@feedback-lab/test-utils';
import { detach } from './detach';

describe.each(NODE_BACKENDS.map((b) => [b]))('detach on %s', (backend) => {
  it('stops the gradient, keeps the value, survives the source and frees its data', async () => {
    await useBackend(backend);
    const before = tf.memory().numDataBuffers;
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.add(tf.sum(tf.square(v)), tf.sum(tf.square(detach(v)))))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    const d = detach(x);
    x.dispose();
    expect(Array.from(d.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([d, g]);
    expect(tf.memory().numDataBuffers).toBe(before);
  });
});
