import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, peekUpdates, mlp, softmaxCrossEntropy, type Batch, type FeedbackGenerator, type LearningRule } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { dfa } from '@feedback-lab/rule-dfa';
import { NODE_BACKENDS, maxAbsDiff, trainedWeights, useBackend, worstDiff } from '@feedback-lab/test-utils';
import { gaussian } from '@feedback-lab/feedback';
import { fa } from './fa';

async function batchesOf(n: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of blobs({ dim: 8, numClasses: 4, perClass: 64, seed: 2 }).batches({ split: 'train', batchSize: 16, shuffle: true, seed: 1 })) {
    if (out.push(b) === n) break;
  }
  return out;
}

/** Weights after `steps` momentum steps of `rule` from the same initial model. */
async function train(rule: LearningRule, arch: number[], steps: number): Promise<Float32Array[]> {
  const batches = await batchesOf(steps);
  return trainedWeights({ model: mlp({ arch, activation: 'tanh', seed: 5 }), rule, optimizer: createOptimizer({ name: 'momentum', lr: 0.1 }), batches });
}

const worst = worstDiff;

describe.each(NODE_BACKENDS.map((b) => [b]))('FA oracles on %s', (backend) => {
  it('FA with B = W (re-read each step) gives backprop\'s weights (≤ 1e-5)', async () => {
    await useBackend(backend);
    const arch = [8, 16, 12, 4];
    const diff = worst(await train(fa({ symmetric: true }), arch, 10), await train(bp(), arch, 10));
    expect(diff).toBeLessThanOrEqual(1e-5);
  });

  it('with one hidden layer, DFA and FA with the same B give the same weights (≤ 1e-5)', async () => {
    await useBackend(backend);
    const g = gaussian({ std: 0.3 });
    // FA's B for the output block has W's shape [hidden, out]; DFA's B_1 is [out, hidden]: its transpose.
    const forFa: FeedbackGenerator = { name: 'shared', generate: (shape) => g.generate(shape, 42) };
    const forDfa: FeedbackGenerator = {
      name: 'shared-transposed',
      generate: (shape) => tf.tidy(() => tf.transpose(g.generate([shape[1]!, shape[0]!], 42))),
    };
    const arch = [8, 20, 4];
    const a = await train(fa({ generator: forFa }), arch, 10);
    const d = await train(dfa({ generator: forDfa }), arch, 10);
    expect(worst(a, d)).toBeLessThanOrEqual(1e-5);
    // and it is not BP: the feedback is random
    expect(worst(a, await train(bp(), arch, 10))).toBeGreaterThan(1e-3);
  });
});

describe('FA signal', () => {
  it('takes the activation derivative at the true pre-activation: δ₁ = (δ₂·B₂ᵀ) ⊙ tanh\'(a₁)', async () => {
    await useBackend('cpu');
    const [b] = await batchesOf(1);
    const model = mlp({ arch: [8, 6, 5, 4], activation: 'tanh', seed: 3 });
    const rule = fa({ seed: 9 });
    const { grads: captured, loss } = peekUpdates(rule, model, b!, { loss: softmaxCrossEntropy, step: 0 });
    loss.dispose();
    const expected = tf.tidy(() => {
      const [W1, b1, W2, b2, W3, b3] = model.blocks.flatMap((x) => x.params) as tf.Tensor2D[];
      const a1 = tf.add(tf.matMul(b!.x as tf.Tensor2D, W1!), b1!);
      const h1 = tf.tanh(a1);
      const a2 = tf.add(tf.matMul(h1, W2!), b2!);
      const h2 = tf.tanh(a2);
      const logits = tf.add(tf.matMul(h2, W3!), b3!);
      const e = softmaxCrossEntropy.grad(logits, b!.y) as tf.Tensor2D;
      const [B2, B3] = [1, 2].map((i) => rule.feedbackWeights(model, i)![0] as tf.Tensor2D);
      const d2 = tf.mul(tf.matMul(e, B3!, false, true), tf.sub(1, tf.square(h2)));
      const d1 = tf.mul(tf.matMul(d2 as tf.Tensor2D, B2!, false, true), tf.sub(1, tf.square(h1)));
      return tf.matMul(b!.x as tf.Tensor2D, d1 as tf.Tensor2D, true, false);
    });
    expect(maxAbsDiff(captured[model.blocks[0]!.params[0]!.name]!, expected)).toBeLessThan(1e-6);
    tf.dispose([expected, ...Object.values(captured), b!.x, b!.y]);
    rule.dispose();
    model.dispose();
  });
});
