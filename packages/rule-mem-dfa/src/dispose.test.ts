import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, stepSync, mlp, softmaxCrossEntropy } from '@feedback-lab/core';
import { useBackend } from '@feedback-lab/test-utils';
import { memDfa } from './mem-dfa';

describe('mem-dfa dispose', () => {
  it('leaves nothing behind once rule and optimizer are disposed (the optimizer holds every slot)', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const model = mlp({ arch: [6, 8, 8, 8, 3], activation: 'tanh', seed: 1 });
    const rule = memDfa({ seed: 1 });
    const opt = createOptimizer({ name: 'momentum', lr: 0.01 });
    const x = tf.randomUniform([4, 6], 0, 1, 'float32', 1);
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3), 'float32'));
    for (let s = 0; s < 3; s++) stepSync(rule, model, { x, y, labels: new Uint8Array(4), size: 4 }, opt, { loss: softmaxCrossEntropy, step: s }).dispose();
    rule.dispose();
    opt.dispose();
    model.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
