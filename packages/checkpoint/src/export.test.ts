import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer, buildModel, dense, modelVariables, predict, sequential, type ActivationName, type Model, type ModelSpec } from '@feedback-lab/core';
import { NODE_BACKENDS, maxAbsDiff, useBackend } from '@feedback-lab/test-utils';
import { toLayersModel, type ExportSpec, type InputNormalization } from './layers';
import { exportFiles } from './topology';
import { writeLayersModel } from './node';

const root = mkdtempSync(join(tmpdir(), 'fbl-export-'));
let server: Server;
let base = '';
beforeAll(async () => {
  // Served over http, so the stock loader runs exactly as in a browser.
  server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(root, decodeURIComponent(req.url!.slice(1)))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(root, { recursive: true, force: true });
});

const spec: ExportSpec = {
  input: [12],
  layers: [{ type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 5, activation: 'sigmoid' }, { type: 'dense', units: 3 }],
};

describe.each(NODE_BACKENDS)('export to a LayersModel on %s', (backend) => {
  it('loads with stock tf.loadLayersModel over http and predicts within 1e-5', async () => {
    await useBackend(backend);
    const model = fromSpec(spec, 4);
    const exported = toLayersModel(spec, [12], model.blocks.flatMap((b) => b.params));
    const dir = join(root, backend);
    await writeLayersModel(exported, dir);
    exported.dispose();
    const loaded = await tfl.loadLayersModel(`${base}/${backend}/model.json`);
    const x = tf.randomUniform([64, 12], -2, 2, 'float32', 5);
    const got = loaded.predict(x) as tf.Tensor;
    const want = model.forward(x);
    expect(got.shape).toEqual([64, 3]);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, got, want]);
    loaded.dispose();
    model.dispose();
  });
});

/** A feedback-lab model of dense blocks with the spec's per-layer activations. */
function fromSpec(s: ExportSpec, seed: number): Model {
  let width = s.input[0]!;
  return sequential(s.layers.map((l, i) => {
    const b = dense({ name: `dense${i + 1}`, inputSize: width, units: l.units!, activation: (l.activation ?? 'linear') as ActivationName, seed: seed + i });
    width = l.units!;
    return b;
  }));
}

describe.each(NODE_BACKENDS)('export of conv blocks on %s', (backend) => {
  it('maps conv → pool → activation, flatten and a reshaped flat input', async () => {
    await useBackend(backend);
    const convSpec: ModelSpec = {
      name: 'tiny-conv',
      input: [10, 10, 1],
      layers: [
        { type: 'conv2d', filters: 4, kernel: 3, pool: { type: 'max', size: 2 }, activation: 'relu' },
        { type: 'conv2d', filters: 6, kernel: 3, padding: 'same', stride: 1, pool: { type: 'avg', size: 3, stride: 2, padding: 'same' }, activation: 'tanh' },
        { type: 'conv2d', filters: 5, kernel: 1, activation: 'sigmoid' },
        { type: 'dense', units: 7, activation: 'relu' },
        { type: 'dense', units: 3 },
      ],
    };
    const model = buildModel(convSpec, { inputShape: [100], numClasses: 3, seed: 2 });
    const exported = toLayersModel(convSpec, [100], model.blocks.flatMap((b) => b.params));
    await writeLayersModel(exported, join(root, `conv-${backend}`));
    exported.dispose();
    const loaded = await tfl.loadLayersModel(`${base}/conv-${backend}/model.json`);
    const x = tf.randomUniform([16, 100], -1, 1, 'float32', 7);
    const got = loaded.predict(x) as tf.Tensor;
    const want = model.forward(x);
    expect(got.shape).toEqual([16, 3]);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, got, want]);
    loaded.dispose();
    model.dispose();
  });
});

describe.each(NODE_BACKENDS)('export of batch-norm blocks on %s', (backend) => {
  it('maps batch norm to a batchNormalization layer: equal logits after training (max |Δ| ≤ 1e-5 relative)', async () => {
    await useBackend(backend);
    const bnSpec: ModelSpec = {
      name: 'tiny-bn',
      input: [8, 8, 1],
      layers: [
        { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', pool: { type: 'max', size: 2 }, activation: 'sigmoid', batchNorm: true },
        { type: 'conv2d', filters: 5, kernel: 3, activation: 'relu', batchNorm: { momentum: 0.8, epsilon: 1e-4 } },
        { type: 'dense', units: 12, activation: 'tanh', batchNorm: true },
        { type: 'dense', units: 3 },
      ],
    };
    const model = buildModel(bnSpec, { inputShape: [64], numClasses: 3, seed: 6 });
    // a few BP steps, so γ, β and the running statistics are far from their initial values
    const opt = createOptimizer({ name: 'sgd', lr: 0.5 });
    for (let s = 0; s < 5; s++) {
      const x = tf.randomUniform([32, 64], -1, 2, 'float32', s);
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.forward(x))) as tf.Scalar, model.blocks.flatMap((b) => b.params));
      opt.apply(grads);
      for (const b of model.blocks) b.stats?.advance(); // what stepSync does after an update
      tf.dispose([x, value, ...Object.values(grads)]);
    }
    opt.dispose();
    const weights = modelVariables(model);
    expect(Math.max(...weights[4]!.dataSync().map(Math.abs))).toBeGreaterThan(0.05); // block 1's running mean moved
    const exported = toLayersModel(bnSpec, [64], weights);
    expect(exported.layers.map((l) => l.getClassName())).toContain('BatchNormalization');
    await writeLayersModel(exported, join(root, `bn-${backend}`));
    exported.dispose();
    const loaded = await tfl.loadLayersModel(`${base}/bn-${backend}/model.json`);
    const x = tf.randomUniform([16, 64], -1, 2, 'float32', 9);
    const got = loaded.predict(x) as tf.Tensor;
    const want = predict(model, x);
    const scale = Math.max(...want.dataSync().map(Math.abs));
    expect(maxAbsDiff(got, want) / scale).toBeLessThanOrEqual(1e-5);
    // training-mode logits (batch statistics) differ: the export is the inference network
    const train = model.forward(x);
    expect(maxAbsDiff(train, want)).toBeGreaterThan(1e-3);
    tf.dispose([x, got, want, train]);
    loaded.dispose();
    model.dispose();
  });
});

describe('export with input normalisation', () => {
  // cifar-like statistics (3 channels) and MNIST's single channel over flat pixels
  const cases: [string, ModelSpec, number[], InputNormalization][] = [
    ['3 channels, conv', {
      name: 'tiny-cifar', input: [8, 8, 3],
      layers: [{ type: 'conv2d', filters: 4, kernel: 3, padding: 'same', pool: { type: 'max', size: 2 } }, { type: 'dense', units: 3 }],
    }, [8, 8, 3], { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] }],
    ['1 channel of flat data into a conv', {
      name: 'tiny-mnist', input: [6, 6, 1],
      layers: [{ type: 'conv2d', filters: 2, kernel: 3, padding: 'same', activation: 'tanh' }, { type: 'dense', units: 3 }],
    }, [36], { mean: [0.13], std: [0.31] }],
  ];

  it.each(cases)('%s: the stock model takes raw [0, 1] inputs and predicts as the model on standardised ones (≤ 1e-5 relative); exportFiles writes the same', async (name, s, dataShape, n) => {
    await useBackend('cpu');
    const model = buildModel(s, { inputShape: dataShape, numClasses: 3, seed: 4 });
    const exported = toLayersModel({ ...s, inputNormalization: n }, dataShape, modelVariables(model));
    expect(exported.layers.slice(0, 2).map((l) => `${l.getClassName()}:${l.name}`)).toEqual(n.mean.length === 1 ? ['Rescaling:normalize_input', 'Reshape:reshape_input'] : ['DepthwiseConv2D:normalize_input', 'Conv2D:conv2d1']);
    await writeLayersModel(exported, join(root, `norm-${name}`));
    const files = await exportFiles({ ...s, inputNormalization: n }, dataShape, modelVariables(model));
    const layerNames = (t: unknown) => (t as { config: { layers: { config: { name: string } }[] } }).config.layers.map((l) => l.config.name);
    expect(layerNames(files.modelJson.modelTopology)).toEqual(layerNames(exported.toJSON(null, false)));
    exported.dispose();
    const raw = tf.randomUniform([8, ...dataShape], 0, 1, 'float32', 3);
    const standardised = tf.tidy(() => tf.div(tf.sub(raw, tf.tensor1d(n.mean as number[])), tf.tensor1d(n.std as number[])));
    const want = predict(model, standardised);
    const scale = Math.max(...want.dataSync().map(Math.abs));
    for (const loaded of [
      await tfl.loadLayersModel(`${base}/norm-${encodeURIComponent(name)}/model.json`),
      await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: files.modelJson.modelTopology, weightSpecs: files.modelJson.weightsManifest[0]!.weights, weightData: files.weightsBin.slice().buffer })),
    ]) {
      const got = loaded.predict(raw) as tf.Tensor;
      expect(maxAbsDiff(got, want) / scale).toBeLessThanOrEqual(1e-5);
      // without the layer the logits are far off: the normalisation is what the layer adds
      const plain = predict(model, raw);
      expect(maxAbsDiff(plain, want) / scale).toBeGreaterThan(1e-2);
      // fine-tuning the exported model trains its layers but leaves the normalisation as it was
      loaded.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const target = tf.randomNormal([8, 3], 0, 1, 'float32', 2);
      const history = await loaded.fit(raw, target, { epochs: 2, batchSize: 4 });
      expect(history.history.loss).toHaveLength(2);
      const first = loaded.layers[0]!.apply(raw) as tf.Tensor;
      expect(maxAbsDiff(first, standardised)).toBeLessThanOrEqual(1e-5);
      tf.dispose([got, plain, target, first]);
      loaded.dispose();
    }
    tf.dispose([raw, standardised, want]);
    model.dispose();
  });

  it('refuses statistics that do not fit the data or are not positive, in one line and with no tensors left', async () => {
    await useBackend('cpu');
    const s: ModelSpec = { input: [4, 4, 3], layers: [{ type: 'conv2d', filters: 2, kernel: 3 }, { type: 'dense', units: 2 }] };
    const model = buildModel(s, { inputShape: [4, 4, 3], numClasses: 2, seed: 1 });
    const weights = modelVariables(model);
    const before = tf.memory().numTensors;
    expect(() => toLayersModel({ ...s, inputNormalization: { mean: [0.5, 0.5], std: [1, 1] } }, [4, 4, 3], weights))
      .toThrow(/^export: input normalisation has 2 means and 2 stds for data of shape \[4,4,3\] \(needs 1, or one per channel of \[h, w, c\] data\)$/);
    expect(() => toLayersModel({ ...s, inputNormalization: { mean: [0.5, 0.5, 0.5], std: [1, 0, 1] } }, [4, 4, 3], weights))
      .toThrow(/^export: input normalisation needs finite means and positive stds, got mean \[0.5,0.5,0.5\] std \[1,0,1\]$/);
    await expect(exportFiles({ ...s, inputNormalization: { mean: [NaN], std: [1] } }, [4, 4, 3], weights)).rejects.toThrow(/needs finite means/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
