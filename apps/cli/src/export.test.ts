import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { restoreTrainingState } from '@feedback-lab/trainer';
import { maxAbsDiff } from '@feedback-lab/test-utils';
import { main } from './main';
import { RULE_NAMES } from './registry';
import { buildRun, openRunDataset } from './run-config';
import { loadRun } from './run-checkpoint';
import type { Io } from './io';

const root = mkdtempSync(join(tmpdir(), 'fbl-export-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: { isTTY: false, write: (t: string) => void (err += t) } };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Loads model.json + weights.bin from disk through the stock loader, as a browser would from a URL. */
async function loadStock(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const weights = readFileSync(join(dir, json.weightsManifest[0]!.paths[0]!));
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
}

describe.each(RULE_NAMES)('fbl train → export → tf.loadLayersModel: %s', (rule) => {
  it('predicts what the checkpointed model predicts (≤ 1e-5) and eval reports its accuracy', async () => {
    const ck = join(root, rule);
    const out = join(root, `${rule}-export`);
    const t = await run('train', '--rule', rule, '--dataset', 'blobs', '--arch', '8-24-16-4', '--activation', 'relu', '--epochs', '2', '--batch-size', '16', '--lr', '0.01', '--checkpoint-dir', ck, '--json');
    expect(t.code, t.err).toBe(0);
    const done = JSON.parse(t.out.trim().split('\n').at(-1)!);
    const e = await run('export', '--checkpoint', ck, '--out', out);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(new RegExp(`^exported ${rule} model \\(step \\d+, 3 layers\\) to .*model\\.json\\n$`));
    const v = await run('eval', '--checkpoint', ck, '--json');
    expect(v.code, v.err).toBe(0);
    expect(JSON.parse(v.out).accuracy).toBe(done.testAccuracy);

    const saved = await loadRun(ck);
    await tf.setBackend(saved.config.backend);
    const ours = buildRun(saved.config, await openRunDataset(saved.config));
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
    console.log(`export ${rule}: max |stock − feedback-lab| over 100 test samples' logits = ${diff.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
    expect(diff).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, a, b]);
    stock.dispose();
    ours.dispose();
  });
});
