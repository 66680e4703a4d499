import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { buildModel, mlp, modelVariables, predict } from '@feedback-lab/core';
import { exportFiles } from '@feedback-lab/checkpoint';
import { maxAbsDiff, useBackend } from '@feedback-lab/test-utils';
import type { RunConfig } from '../protocol';
import { runSpec } from './specs';

// The layer mapping itself is tested in @feedback-lab/checkpoint (exportFiles); here: the spec the
// session derives from its run config describes the model the session trained, batch norm and
// the input standardisation included.
const config = (c: Partial<RunConfig>) => ({ rule: 'bp', activation: 'relu', ...c }) as RunConfig;
const MNIST = { inputShape: [784], numClasses: 10 };
const CIFAR = { inputShape: [32, 32, 3], numClasses: 10 };

describe('the web session exports what it trained', () => {
  it.each([
    ['an MLP', config({ rule: 'fa', arch: [784, 32, 16, 10], activation: 'tanh' }), MNIST, undefined],
    ['mnist-conv', config({ preset: 'mnist-conv', arch: [784, 10] }), MNIST, undefined],
    ['mnist-conv-bn', config({ preset: 'mnist-conv-bn', arch: [784, 10] }), MNIST, undefined],
    ['long-fc-3, standardised MNIST', config({ preset: 'long-fc-3', arch: [784, 10] }), MNIST, { mean: [0.13], std: [0.31] }],
    ['long-fc-2 on CIFAR-10 (3072 inputs)', config({ preset: 'long-fc-2', arch: [3072, 10] }), CIFAR, { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] }],
    ['long-conv-2 on CIFAR-10', config({ preset: 'long-conv-2', arch: [3072, 10] }), CIFAR, { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] }],
    ['long-conv-2 on flat MNIST', config({ preset: 'long-conv-2', arch: [784, 10] }), MNIST, undefined],
  ] as const)('%s: runSpec(config) + exportFiles load in stock tfjs-layers and predict as the model (≤ 1e-5)', async (_, c, data, norm) => {
    await useBackend('cpu');
    const model = c.preset ? buildModel(runSpec(c, data), { ...data, seed: 3 }) : mlp({ ...c, seed: 3 });
    // Weights, gammas, betas and running statistics away from their initial 1s and 0s, as after
    // training (positive, as variances must be).
    modelVariables(model).forEach((v, i) => v.assign(tf.tidy(() => tf.randomUniform(v.shape, 0.05, 0.3, 'float32', i + 1))));
    const spec = { ...runSpec(c, data), ...(norm ? { inputNormalization: norm } : {}) };
    const before = tf.memory().numTensors;
    const files = await exportFiles(spec, data.inputShape, modelVariables(model));
    expect(tf.memory().numTensors).toBe(before);
    const json = files.modelJson;
    const loaded = await tfl.loadLayersModel({ load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: files.weightsBin.slice().buffer }) });
    const x = tf.randomUniform([4, ...data.inputShape], 0, 1, 'float32', 7);
    const got = loaded.predict(x) as tf.Tensor;
    // The model saw standardised inputs; the export takes raw ones.
    const want = tf.tidy(() => predict(model, tf.reshape(norm ? tf.div(tf.sub(x, norm.mean), norm.std) : x, [4, -1])));
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5 * Math.max(1, ...Array.from(want.dataSync(), Math.abs)));
    tf.dispose([x, got, want]);
    loaded.dispose();
    model.dispose();
  });
});
