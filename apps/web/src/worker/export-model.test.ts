import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { buildModel, mlp, presetSpec, type Model, type ModelSpec } from '@feedback-lab/core';
import { toLayersModel } from '@feedback-lab/checkpoint/layers';
import { maxAbsDiff, tensorsLeftBy, useBackend } from '@feedback-lab/test-utils';
import type { RunConfig } from '../protocol';
import { layersTopology, modelFiles } from './export-model';
import { exportSpec } from './session';

/** Loads model.json + weights.bin the way tf.loadLayersModel's http handler would. */
function fromFiles(modelJson: string, weightsBin: Uint8Array): tf.io.IOHandler {
  const json = JSON.parse(modelJson) as tf.io.ModelJSON;
  expect(json.weightsManifest.map((g) => g.paths)).toEqual([['weights.bin']]);
  return { load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: weightsBin.slice().buffer }) };
}

// cifar-conv is not a web preset yet; exportSpec only reads `preset` to look up core's spec.
const config = (c: Omit<Partial<RunConfig>, 'preset'> & { preset?: string }) => ({ rule: 'bp', activation: 'relu', ...c }) as RunConfig;
const mlpConfig = config({ rule: 'fa', arch: [784, 32, 16, 10], activation: 'tanh' });

describe('model export without tfjs-layers', () => {
  it.each([
    ['an MLP', mlpConfig, [784]],
    ['mnist-conv', config({ preset: 'mnist-conv', arch: [784, 10] }), [784]],
    // avg pooling, same padding and a linear conv block: the cases the MNIST presets lack.
    ['cifar-conv', config({ rule: 'dfa', preset: 'cifar-conv', arch: [3072, 10] }), [3072]],
  ] as const)('%s: stock tf.loadLayersModel reads the files and predicts as the model does (≤ 1e-5)', async (_, config, dataShape) => {
    await useBackend('cpu');
    const spec = config.preset ? presetSpec(config.preset) : exportSpec(config);
    const model: Model = config.preset ? buildModel(spec, { inputShape: dataShape, numClasses: 10, seed: 3 }) : mlp({ ...config, seed: 3 });
    const files = await modelFiles(model, { ...spec, name: 'fbl_test' }, dataShape);
    const loaded = await tfl.loadLayersModel(fromFiles(JSON.stringify(files.modelJson), files.weightsBin));
    const x = tf.randomUniform([4, ...dataShape], 0, 1, 'float32', 7);
    const got = loaded.predict(x) as tf.Tensor;
    const want = model.forward(x);
    expect(got.shape).toEqual([4, 10]);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5 * Math.max(1, ...Array.from(want.dataSync(), Math.abs)));
    tf.dispose([x, got, want]);
    loaded.dispose();
    model.dispose();
  });

  it('writes the same layers, names and weight order as checkpoint\'s toLayersModel (fbl export)', () => {
    for (const spec of [exportSpec(mlpConfig), presetSpec('mnist-conv'), presetSpec('cifar-conv')] as ModelSpec[]) {
      const shape = [spec.input.reduce((a, b) => a * b, 1)];
      const model = buildModel(spec, { inputShape: shape, numClasses: 10, seed: 1 });
      const reference = toLayersModel(spec, shape, model.blocks.flatMap((b) => b.params));
      const { topology, weightNames } = layersTopology(spec, shape);
      const layers = (t: unknown) => (t as { config: { layers: { class_name: string; config: { name: string } }[] } }).config.layers.map((l) => `${l.class_name}:${l.config.name}`);
      expect(layers(topology)).toEqual(layers(reference.toJSON(null, false)));
      expect(weightNames).toEqual(reference.weights.map((w) => w.originalName));
      reference.dispose();
      model.dispose();
    }
  });

  it('leaves no tensors behind', async () => {
    await useBackend('cpu');
    const model = mlp({ arch: [784, 8, 10], seed: 1 });
    expect(await tensorsLeftBy(() => modelFiles(model, exportSpec({ ...mlpConfig, arch: [784, 8, 10] }), [784]))).toBe(0);
    model.dispose();
  });
});
