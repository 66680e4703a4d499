import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, dense, modelVariables, predict, sequential, type ActivationName, type Model, type ModelSpec } from '@feedback-lab/core';
import { NODE_BACKENDS, maxAbsDiff, useBackend } from '@feedback-lab/test-utils';
import { toLayersModel, type ExportSpec } from './layers';
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
    const opt = tf.train.sgd(0.5);
    for (let s = 0; s < 5; s++) {
      const x = tf.randomUniform([32, 64], -1, 2, 'float32', s);
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.forward(x))) as tf.Scalar, model.blocks.flatMap((b) => b.params));
      opt.applyGradients(grads);
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
