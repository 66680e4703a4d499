import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';
import { restoreTrainingState } from '@feedback-lab/trainer';
import { maxAbsDiff } from '@feedback-lab/test-utils';
import { RULE_NAMES } from '@feedback-lab/rules';
import { buildRun, openRunDataset } from './run-config';
import { loadRun } from './run-checkpoint';

const root = mkdtempSync(join(tmpdir(), 'fbl-export-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = runCli;

/** Loads model.json + weights.bin from disk through the stock loader, as a browser would from a URL. */
async function loadStock(dir: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const weights = readFileSync(join(dir, json.weightsManifest[0]!.paths[0]!));
  return tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
}

/** Trains with `trainArgs`, exports, and compares the stock model with ours on 100 test samples. */
async function roundTrip(name: string, trainArgs: string[], layers: number) {
  const ck = join(root, name);
  const out = join(root, `${name}-export`);
  const t = await run('train', ...trainArgs, '--checkpoint-dir', ck, '--json');
  expect(t.code, t.err).toBe(0);
  const done = JSON.parse(t.out.trim().split('\n').at(-1)!);
  const e = await run('export', '--checkpoint', ck, '--out', out);
  expect(e.code, e.err).toBe(0);
  expect(e.out).toMatch(new RegExp(`^exported \\S+ model \\(step \\d+, ${layers} layers\\) to .*model\\.json\\n$`));
  const v = await run('eval', '--checkpoint', ck, '--json');
  expect(v.code, v.err).toBe(0);
  expect(JSON.parse(v.out).accuracy).toBe(done.testAccuracy);

  const saved = await loadRun(ck);
  await tf.setBackend(saved.config.backend);
  const ours = await buildRun(saved.config, await openRunDataset(saved.config));
  await restoreTrainingState(ours.model, ours.optimizer, ours.rule, saved.state);
  const stock = await loadStock(out);
  let x!: tf.Tensor;
  for await (const batch of ours.dataset.batches({ split: 'test', batchSize: 100 })) {
    x = batch.x;
    tf.dispose(batch.y);
    break;
  }
  const a = stock.predict(x) as tf.Tensor;
  const b = ours.model.forward(x);
  const diff = maxAbsDiff(a, b);
  const scale = tf.max(tf.abs(b)).dataSync()[0]!;
  // Both sides are float32 on the same backend but not the same kernels (tfjs-layers fuses
  // the bias into the matMul), so they agree to rounding: ~1e-7 relative to the logits.
  console.log(`export ${name}: max |stock − feedback-lab| over 100 test samples' logits = ${diff.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
  expect(diff).toBeLessThanOrEqual(1e-5);
  tf.dispose([x, a, b]);
  stock.dispose();
  ours.dispose();
}

describe.each(RULE_NAMES)('fbl train → export → tfl.loadLayersModel: %s', (rule) => {
  it('MLP: predicts what the checkpointed model predicts (≤ 1e-5) and eval reports its accuracy', async () => {
    await roundTrip(rule, ['--rule', rule, '--dataset', 'blobs', '--arch', '8-24-16-4', '--activation', 'tanh', '--epochs', '2', '--batch-size', '16', '--lr', '0.01'], 3);
  });
});

describe.each(['bp', 'mem-dfa'])('conv model (--model file) → export: %s', (rule) => {
  it('MNIST conv net with max and avg pooling', async () => {
    const spec = join(root, 'conv.json');
    writeFileSync(spec, JSON.stringify({
      input: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 6, kernel: 5, pool: { type: 'max', size: 2 }, activation: 'relu' },
        { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', pool: { type: 'avg', size: 2 }, activation: 'tanh' },
        { type: 'dense', units: 32, activation: 'relu' },
        { type: 'dense', units: 10 },
      ],
    }));
    // reshape, conv, pool, act, conv, pool, act, flatten, dense, dense
    await roundTrip(`conv-${rule}`, ['--rule', rule, '--dataset', 'mnist', '--model', spec, '--limit', '256', '--epochs', '1', '--batch-size', '32', '--lr', '0.01'], 10);
  });
});
