import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { buildModel, modelVariables, predict, presetSpec, type ModelSpec } from '@feedback-lab/core';
import { maxAbsDiff, tensorsLeftBy, useBackend } from '@feedback-lab/test-utils';
import { toLayersModel } from './layers';
import { exportFiles, layersTopology } from './topology';

/** Loads model.json + weights.bin the way tf.loadLayersModel's http handler would. */
function fromFiles(modelJson: string, weightsBin: Uint8Array): tf.io.IOHandler {
  const json = JSON.parse(modelJson) as tf.io.ModelJSON;
  expect(json.weightsManifest.map((g) => g.paths)).toEqual([['weights.bin']]);
  return { load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: weightsBin.slice().buffer }) };
}

const mlp: ModelSpec = { name: 'mlp', input: [784], layers: [{ type: 'dense', units: 32, activation: 'tanh' }, { type: 'dense', units: 16, activation: 'sigmoid' }, { type: 'dense', units: 10 }] };
const bnMlp: ModelSpec = { name: 'bn-mlp', input: [784], layers: [{ type: 'dense', units: 24, activation: 'sigmoid', batchNorm: true }, { type: 'dense', units: 10 }] };
const CASES: [string, ModelSpec, number[]][] = [
  ['an MLP', mlp, [784]],
  ['mnist-conv (flat input)', presetSpec('mnist-conv'), [784]],
  // avg pooling, same padding and a linear conv block
  ['cifar-conv', presetSpec('cifar-conv'), [32, 32, 3]],
  ['a dense batch-norm net', bnMlp, [784]],
  ['mnist-conv-bn', presetSpec('mnist-conv-bn'), [28, 28, 1]],
];

describe('exportFiles: model.json + weights.bin without tfjs-layers', () => {
  it.each(CASES)('%s: stock tf.loadLayersModel reads the files and predicts as predict() does (≤ 1e-5 relative)', async (_, spec, dataShape) => {
    await useBackend('cpu');
    const model = buildModel(spec, { inputShape: dataShape, numClasses: 10, seed: 3 });
    // running statistics away from their initial 0/1, so a swapped mean and variance would show
    for (const b of model.blocks) b.stats?.variables.forEach((v, i) => v.assign(tf.randomUniform(v.shape, i ? 0.5 : -0.5, i ? 2 : 0.5, 'float32', 11 + i)));
    const files = await exportFiles({ ...spec, name: 'fbl_test' }, dataShape, modelVariables(model));
    const loaded = await tfl.loadLayersModel(fromFiles(JSON.stringify(files.modelJson), files.weightsBin));
    const x = tf.randomUniform([4, ...dataShape], 0, 1, 'float32', 7);
    const got = loaded.predict(x) as tf.Tensor;
    const want = predict(model, x);
    expect(got.shape).toEqual([4, 10]);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5 * Math.max(1, ...Array.from(want.dataSync(), Math.abs)));
    tf.dispose([x, got, want]);
    loaded.dispose();
    model.dispose();
  });

  it.each(CASES)('%s: the same layers, names and weight order as toLayersModel (fbl export)', async (_, spec, dataShape) => {
    await useBackend('cpu');
    const model = buildModel(spec, { inputShape: dataShape, numClasses: 10, seed: 1 });
    const reference = toLayersModel(spec, dataShape, modelVariables(model));
    const { topology, weights } = layersTopology(spec, dataShape);
    const layers = (t: unknown) => (t as { config: { layers: { class_name: string; config: { name: string } }[] } }).config.layers.map((l) => `${l.class_name}:${l.config.name}`);
    expect(layers(topology)).toEqual(layers(reference.toJSON(null, false)));
    const byName = new Map(reference.weights.map((w) => [w.originalName, w.shape.join('×')]));
    expect(weights.map((w) => `${w.name}:${w.shape.join('×')}`).sort()).toEqual([...byName].map(([n, s]) => `${n}:${s}`).sort());
    reference.dispose();
    model.dispose();
  });

  it('refuses weights that do not fit the spec with a one-line error, and leaves no tensors behind', async () => {
    await useBackend('cpu');
    const model = buildModel(mlp, { inputShape: [784], numClasses: 10, seed: 1 });
    await expect(exportFiles(mlp, [784], model.blocks[0]!.params)).rejects.toThrow(/^export: the spec needs weights \[784×32, 32, 32×16, 16, 16×10, 10\] but the model has \[784×32, 32\]/);
    expect(await tensorsLeftBy(() => exportFiles(mlp, [784], modelVariables(model)))).toBe(0);
    model.dispose();
  });
});
