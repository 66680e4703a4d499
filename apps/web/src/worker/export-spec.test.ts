import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { buildModel, mlp, modelVariables, predict, presetSpec } from '@feedback-lab/core';
import { exportFiles } from '@feedback-lab/checkpoint';
import { maxAbsDiff, useBackend } from '@feedback-lab/test-utils';
import type { RunConfig } from '../protocol';
import { exportSpec } from './session';

// The layer mapping itself is tested in @feedback-lab/checkpoint (exportFiles); here: the spec the
// session derives from its run config describes the model the session trained.
const config = (c: Partial<RunConfig>) => ({ rule: 'bp', activation: 'relu', ...c }) as RunConfig;

describe('the web session exports what it trained', () => {
  it.each([
    ['an MLP', config({ rule: 'fa', arch: [784, 32, 16, 10], activation: 'tanh' })],
    ['mnist-conv', config({ preset: 'mnist-conv', arch: [784, 10] })],
  ] as const)('%s: exportSpec(config) + exportFiles load in stock tfjs-layers and predict as the model (≤ 1e-5)', async (_, c) => {
    await useBackend('cpu');
    const model = c.preset ? buildModel(presetSpec(c.preset), { inputShape: [784], numClasses: 10, seed: 3 }) : mlp({ ...c, seed: 3 });
    const files = await exportFiles(exportSpec(c), [784], modelVariables(model));
    const json = files.modelJson;
    const loaded = await tfl.loadLayersModel({ load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: files.weightsBin.slice().buffer }) });
    const x = tf.randomUniform([4, 784], 0, 1, 'float32', 7);
    const got = loaded.predict(x) as tf.Tensor;
    const want = predict(model, x);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5 * Math.max(1, ...Array.from(want.dataSync(), Math.abs)));
    tf.dispose([x, got, want]);
    loaded.dispose();
    model.dispose();
  });
});
