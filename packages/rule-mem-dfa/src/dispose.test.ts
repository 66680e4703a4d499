import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disposeOptimizer, mlp, softmaxCrossEntropy } from '@feedback-lab/core';
import { useBackend } from '@feedback-lab/test-utils';
import { memDfa } from './mem-dfa';

describe('mem-dfa dispose', () => {
  it('frees its per-block momentum copies completely (tfjs leaves their lr scalar behind)', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const model = mlp({ arch: [6, 8, 8, 8, 3], activation: 'tanh', seed: 1 });
    const rule = memDfa({ seed: 1 });
    const opt = tf.train.momentum(0.01, 0.9);
    const x = tf.randomUniform([4, 6], 0, 1, 'float32', 1);
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3), 'float32'));
    for (let s = 0; s < 3; s++) rule.step(model, { x, y, labels: new Uint8Array(4), size: 4 }, opt, { loss: softmaxCrossEntropy, step: s });
    rule.dispose();
    disposeOptimizer(opt);
    model.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
