import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activate, type ActivationName } from './activations';
import { inference, modelVariables, predict } from './batch-norm';
import { conv2d } from './conv';
import { softmaxCrossEntropy } from './loss';
import { createOptimizer } from './optimizer';
import { pool2d } from './pool';
import { buildModel, validateSpec, type ModelSpec } from './spec';
import { stepSync } from './step';
import type { LearningRule } from './types';
import { normals, relErr, useBackend } from './test-numerics';
import './register';

const EPS = 1e-3;

/** Batch norm from plain tfjs ops, differentiated by tfjs autodiff: the oracle. */
function referenceBn(a: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const axes = a.shape.slice(0, -1).map((_, i) => i);
  const mean = tf.mean(a, axes);
  const variance = tf.mean(tf.square(tf.sub(a, mean)), axes);
  return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, EPS))), gamma), beta);
}

const specs: Record<string, ModelSpec> = {
  dense: {
    input: [12],
    layers: [{ type: 'dense', units: 9, activation: 'sigmoid', batchNorm: true }, { type: 'dense', units: 7, activation: 'tanh', batchNorm: true }, { type: 'dense', units: 4 }],
  },
  conv: {
    input: [8, 8, 2],
    layers: [
      { type: 'conv2d', filters: 3, kernel: 3, padding: 'same', pool: { type: 'max', size: 2 }, activation: 'relu', batchNorm: true },
      { type: 'conv2d', filters: 5, kernel: 3, padding: 'same', activation: 'sigmoid', batchNorm: { momentum: 0.8 } },
      { type: 'dense', units: 4 },
    ],
  },
};

/** The same network as `spec`, written from tfjs ops with the reference batch norm. */
function referenceForward(spec: ModelSpec, x: tf.Tensor, w: readonly tf.Tensor[]): tf.Tensor {
  let h = spec.layers[0]!.type === 'conv2d' ? tf.reshape(x, [x.shape[0]!, ...spec.input]) : x;
  let k = 0;
  spec.layers.forEach((l, i) => {
    const act: ActivationName = l.activation ?? (i === spec.layers.length - 1 ? 'linear' : 'relu');
    let a: tf.Tensor;
    if (l.type === 'dense') {
      a = tf.add(tf.matMul(tf.reshape(h, [h.shape[0]!, -1]), w[k]! as tf.Tensor2D), w[k + 1]!);
    } else {
      a = tf.add(conv2d(h as tf.Tensor4D, w[k]! as tf.Tensor4D, 1, l.padding ?? 'valid'), w[k + 1]!);
      if (l.pool) a = pool2d(a as tf.Tensor4D, l.pool);
    }
    k += 2;
    if (l.batchNorm) {
      a = referenceBn(a, w[k]!, w[k + 1]!);
      k += 2;
    }
    h = activate(a, act);
  });
  return h;
}

/** Whether flat param index `i` of `spec` is the bias of a layer followed by batch norm. */
function isBiasBeforeBn(spec: ModelSpec, i: number): boolean {
  let k = 0;
  for (const l of spec.layers) {
    if (i === k + 1) return !!l.batchNorm;
    k += l.batchNorm ? 4 : 2;
  }
  return false;
}

/** The values of a tensor made in a tidy scope, which is freed. */
function values(f: () => tf.Tensor): Float32Array {
  const t = tf.tidy(f);
  const d = t.dataSync() as Float32Array;
  t.dispose();
  return d;
}

function batchOf(spec: ModelSpec, n: number, seed: number) {
  const d = spec.input.reduce((a, b) => a * b, 1);
  const x = tf.tensor(normals(n * d, seed, 0.5), [n, d]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 4), 'int32'), 4), 'float32'));
  return { x, y };
}

describe.each(['cpu', 'wasm'] as const)('batch-norm blocks on %s', (backend) => {
  it.each(Object.keys(specs))('%s: BP gradients (params, γ, β, input) equal autodiff of the reference batch norm (≤1e-5 relative)', async (name) => {
    await useBackend(backend);
    const spec = specs[name]!;
    const model = buildModel(spec, { inputShape: [spec.input.reduce((a, b) => a * b, 1)], numClasses: 4, seed: 3 });
    const before = tf.memory().numTensors;
    const { x, y } = batchOf(spec, 10, 7);
    const params = model.blocks.flatMap((b) => b.params);
    expect(params).toHaveLength(spec.layers.filter((l) => l.batchNorm).length * 2 + spec.layers.length * 2);
    const ours = tf.variableGrads(() => softmaxCrossEntropy.value(model.forward(x), y), params);
    const ref = tf.tidy(() => tf.grads((...w: tf.Tensor[]) => softmaxCrossEntropy.value(referenceForward(spec, w[0]!, w.slice(1)), y))([x, ...params]));
    const dx = tf.grad((a: tf.Tensor) => softmaxCrossEntropy.value(model.forward(a), y))(x);
    expect(relErr(ours.value.dataSync(), values(() => softmaxCrossEntropy.value(referenceForward(spec, x, params), y)))).toBeLessThan(1e-6);
    params.forEach((p, i) => {
      const [got, want] = [ours.grads[p.name]!.dataSync(), ref[i + 1]!.dataSync()];
      // A bias before batch norm has gradient 0 (the mean is subtracted): both are rounding noise.
      if (isBiasBeforeBn(spec, i)) expect(Math.max(...got.map(Math.abs), ...want.map(Math.abs))).toBeLessThan(1e-6);
      else expect(relErr(got, want), `${name} param ${i}`).toBeLessThan(1e-5);
    });
    expect(relErr(dx.dataSync(), ref[0]!.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, y, dx, ours.value, ...Object.values(ours.grads), ...ref]);
    expect(tf.memory().numTensors).toBe(before + 4); // each BN block's batch moments, pending (no update yet)
    model.dispose();
  });
});

describe('batch-norm running statistics', () => {
  it('advance once per applied update of the block, with momentum 0.9, and drive inference only', async () => {
    await useBackend('cpu');
    const spec = specs.dense!;
    const start = tf.memory().numTensors;
    const model = buildModel(spec, { inputShape: [12], numClasses: 4, seed: 1 });
    const [bn] = model.blocks;
    const [mean, variance] = bn!.stats!.variables as [tf.Variable, tf.Variable];
    const { x, y } = batchOf(spec, 16, 2);
    const a = tf.tidy(() => tf.add(tf.matMul(x, bn!.params[0]! as tf.Tensor2D), bn!.params[1]!));
    const m = tf.moments(a, [0]);
    tf.dispose(tf.tidy(() => predict(model, x)));
    expect(bn!.stats!.training).toBe(true); // predict restored the mode
    // two training forwards on the same batch (MEM-DFA's two passes), then one update
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    for (let pass = 0; pass < 2; pass++) tf.dispose(tf.tidy(() => model.forward(x)));
    expect(Array.from(mean.dataSync())).toEqual(new Array(9).fill(0));
    // stepSync folds the pending moments in when it applies the update holding the block's params
    const bp: LearningRule = {
      name: 'bp-inline',
      *updates(mdl) {
        const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy.value(mdl.forward(x), y), mdl.blocks.flatMap((b) => b.params));
        yield { block: 'all', grads };
        return value;
      },
      dispose() {},
    };
    stepSync(bp, model, { x, y, labels: new Uint8Array(16), size: 16 }, opt, { loss: softmaxCrossEntropy, step: 0 }).dispose();
    // the step ran one more training forward on the same batch: the moments are x's at the old weights
    expect(relErr(mean.dataSync(), values(() => tf.mul(m.mean, 0.1)))).toBeLessThan(1e-6);
    expect(relErr(variance.dataSync(), values(() => tf.add(0.9, tf.mul(m.variance, 0.1))))).toBeLessThan(1e-6);
    const after = Float32Array.from(mean.dataSync());
    tf.dispose(tf.tidy(() => predict(model, x))); // inference leaves nothing pending
    bn!.stats!.advance(); // nothing pending since the step: no change
    expect(Array.from(mean.dataSync())).toEqual(Array.from(after));
    // a gradient update outside stepSync does not advance them either
    const g2 = tf.variableGrads(() => softmaxCrossEntropy.value(model.forward(x), y), model.blocks.flatMap((b) => b.params));
    opt.apply(g2.grads);
    expect(Array.from(mean.dataSync())).toEqual(Array.from(after));
    tf.dispose([g2.value, ...Object.values(g2.grads)]);
    // inference after the step uses the running statistics, not the batch's
    const logitsTrain = tf.tidy(() => model.forward(x));
    const logitsEval = tf.tidy(() => predict(model, x));
    expect(relErr(logitsTrain.dataSync(), logitsEval.dataSync())).toBeGreaterThan(1e-3);
    expect(values(() => inference(model, () => model.forward(x)))).toEqual(logitsEval.dataSync());
    tf.dispose([x, y, a, m.mean, m.variance, logitsTrain, logitsEval]);
    opt.dispose();
    model.dispose();
    expect(modelVariables(model).every((v) => v.isDisposed)).toBe(true);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('inference equals the normalisation with the running statistics', async () => {
    await useBackend('cpu');
    const spec: ModelSpec = { input: [6], layers: [{ type: 'dense', units: 5, activation: 'tanh', batchNorm: true }, { type: 'dense', units: 3 }] };
    const model = buildModel(spec, { inputShape: [6], numClasses: 3, seed: 4 });
    const [bn, out] = model.blocks;
    const [mean, variance] = bn!.stats!.variables as [tf.Variable, tf.Variable];
    const set = (v: tf.Variable, data: number[]) => tf.tidy(() => v.assign(tf.tensor1d(data)));
    set(mean, [0.1, -0.2, 0.3, 0, 0.5]);
    set(variance, [1.5, 0.5, 2, 1, 0.25]);
    set(bn!.params[2]!, [1, 2, 0.5, -1, 1.5]);
    set(bn!.params[3]!, [0, 0.1, -0.1, 0.2, 0]);
    const x = tf.tensor(normals(8 * 6, 9), [8, 6]);
    const got = tf.tidy(() => predict(model, x));
    const want = tf.tidy(() => {
      const a = tf.add(tf.matMul(x, bn!.params[0]! as tf.Tensor2D), bn!.params[1]!);
      const h = tf.tanh(tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-3))), bn!.params[2]!), bn!.params[3]!));
      return out!.forward(h);
    });
    expect(relErr(got.dataSync(), want.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, got, want]);
    model.dispose();
  });

  it('rejects bad batch-norm options with the path of the value', () => {
    const bad = (batchNorm: unknown) => () => validateSpec({ input: [4], layers: [{ type: 'dense', units: 3, batchNorm }] });
    expect(bad({ momentum: 1 })).toThrow('layers[0].batchNorm.momentum must be a number in [0, 1), got 1');
    expect(bad({ epsilon: 0 })).toThrow('layers[0].batchNorm.epsilon must be a positive number, got 0');
    expect(bad({ decay: 0.9 })).toThrow('unknown key "decay" in layers[0].batchNorm; batchNorm takes momentum, epsilon');
    expect(bad('yes')).toThrow('layers[0].batchNorm must be true, false or { momentum?, epsilon? }');
    expect(validateSpec({ input: [4], layers: [{ type: 'dense', units: 3, batchNorm: { momentum: 0.99 } }] }).layers[0]).toMatchObject({ batchNorm: { momentum: 0.99 } });
  });
});
