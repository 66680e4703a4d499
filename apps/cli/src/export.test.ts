import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';
import { predict } from '@feedback-lab/core';
import { loadCheckpoint, saveCheckpoint } from '@feedback-lab/checkpoint/node';
import { CIFAR10_FILES, CIFAR10_RECORD_BYTES, normalizationOf } from '@feedback-lab/datasets';
import { restoreTrainingState } from '@feedback-lab/trainer';
import { maxAbsDiff } from '@feedback-lab/test-utils';
import { RULE_NAMES } from '@feedback-lab/rules';
import { openDataset } from './datasets';
import { buildRun, openRunDataset } from './run-config';
import { loadRun } from './run-checkpoint';
import { loadStockModel } from './stock-accuracy';

const root = mkdtempSync(join(tmpdir(), 'fbl-export-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = runCli;

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
  const stock = await loadStockModel(out);
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

/**
 * CIFAR-10 in the official binary format, which the CLI reads only in full 10 000-record
 * batches: one file of records whose channel means depend on the label (so a small net learns
 * something), linked in as every batch.
 */
function cifarFixture(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const buf = new Uint8Array(10_000 * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < 10_000; i++) {
    const r = i * CIFAR10_RECORD_BYTES;
    const label = (i * 7) % 10;
    buf[r] = label;
    // planar: 1024 red, 1024 green, 1024 blue bytes
    // red and green carry the label, as (label mod 4, label mod 3), which tells all ten apart
    const offsets = [30 * (label % 4), 30 * (label % 3), 60];
    for (let p = 0; p < 3072; p++) buf[r + 1 + p] = ((i * 131 + p * 29) % 97) + offsets[p >> 10]!;
  }
  const [first, ...rest] = [...CIFAR10_FILES.train, CIFAR10_FILES.test];
  writeFileSync(join(dir, first!), buf);
  for (const f of rest) symlinkSync(join(dir, first!), join(dir, f));
  return dir;
}

/**
 * The stock model fed the test split as a user has it ([0, 1]-scaled, not standardised) against
 * the checkpointed model fed what training fed it, sample by sample.
 */
async function stockParity(ck: string, out: string) {
  const saved = await loadRun(ck);
  await tf.setBackend(saved.config.backend);
  const ours = await buildRun(saved.config, await openRunDataset(saved.config));
  await restoreTrainingState(ours.model, ours.optimizer, ours.rule, saved.state);
  const raw = await openDataset(saved.config.dataset, { dataDir: saved.config['data-dir'], seed: saved.config.seed });
  expect(normalizationOf(raw)).toBeUndefined();
  const stock = await loadStockModel(out);
  const a = raw.batches({ split: 'test', batchSize: 500 })[Symbol.asyncIterator]();
  const b = ours.dataset.batches({ split: 'test', batchSize: 500 })[Symbol.asyncIterator]();
  let correct = 0;
  let differentPredictions = 0;
  let worst = 0;
  for (let x = await a.next(), y = await b.next(); !x.done && !y.done; x = await a.next(), y = await b.next()) {
    const got = stock.predict(x.value.x) as tf.Tensor;
    const want = predict(ours.model, y.value.x);
    worst = Math.max(worst, maxAbsDiff(got, want) / Math.max(1, tf.max(tf.abs(want)).dataSync()[0]!));
    const [p, q] = [tf.argMax(got, 1), tf.argMax(want, 1)];
    const [pd, qd] = [p.dataSync(), q.dataSync()];
    pd.forEach((c, i) => {
      correct += c === x.value.labels[i] ? 1 : 0;
      differentPredictions += c === qd[i] ? 0 : 1;
    });
    tf.dispose([x.value.x, x.value.y, y.value.x, y.value.y, got, want, p, q]);
  }
  stock.dispose();
  ours.dispose();
  return { accuracy: correct / raw.size('test'), differentPredictions, worst };
}

/** Copies the checkpoint in `src` to `dst` with its config edited, as another version or a hand could have written it. */
async function withConfig(src: string, dst: string, edit: (config: Record<string, unknown> & { data: Record<string, unknown> }) => void): Promise<string> {
  const c = await loadCheckpoint(src);
  const meta = structuredClone(c.meta) as { config: Record<string, unknown> & { data: Record<string, unknown> } };
  edit(meta.config);
  mkdirSync(dst, { recursive: true });
  await saveCheckpoint(dst, { meta, arrays: c.arrays });
  return dst;
}

describe('export of a --normalize run: the model standardises its inputs itself', () => {
  const cifar = cifarFixture(join(root, 'cifar'));
  const convFile = join(root, 'cifar-like.json');
  // cifar-conv's shape, smaller: same padding, max then avg pooling, a linear conv block
  writeFileSync(convFile, JSON.stringify({
    input: [32, 32, 3],
    layers: [
      { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', pool: { type: 'max', size: 3, stride: 2, padding: 'same' }, activation: 'relu' },
      { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', pool: { type: 'avg', size: 3, stride: 2, padding: 'same' }, activation: 'linear' },
      { type: 'dense', units: 10 },
    ],
  }));
  const cases: [string, string[], string][] = [
    ['cifar10, a cifar-conv-like net (3 channels)', ['--dataset', 'cifar10', '--data-dir', cifar, '--model', convFile, '--limit', '512', '--batch-size', '64'], 'DepthwiseConv2D'],
    ['mnist, an MLP (1 channel)', ['--dataset', 'mnist', '--arch', '784-32-10', '--limit', '512', '--batch-size', '32'], 'Rescaling'],
  ];

  const trainNormalized = async (ck: string, args: readonly string[]) => {
    const t = await run('train', '--rule', 'bp', ...args, '--normalize', '--epochs', '1', '--lr', '0.01', '--checkpoint-dir', ck);
    expect(t.code, t.err).toBe(0);
    return ck;
  };
  // the cifar10 run, trained once for every test that needs a checkpoint of it
  let cifarRun: Promise<string> | undefined;
  const trainedCifar = () => (cifarRun ??= trainNormalized(join(root, 'norm-cifar10'), cases[0]![1]));

  it.each(cases)('%s: stock tfjs-layers on [0, 1] inputs scores what fbl eval scores, with the same prediction for every test sample', async (name, args, firstLayer) => {
    const ck = args.includes('cifar10') ? await trainedCifar() : await trainNormalized(join(root, 'norm-mnist'), args);
    const out = `${ck}-export`;
    // the checkpoint records the statistics the run's batches were standardised with
    const saved = await loadRun(ck);
    const used = normalizationOf(await openRunDataset(saved.config))!;
    expect(saved.config.data.normalization).toEqual({ mean: used.mean, std: used.std });
    expect(used.mean).toHaveLength(firstLayer === 'Rescaling' ? 1 : 3);
    const e = await run('export', '--checkpoint', ck, '--out', out);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/^exported bp model \(step \d+, \d+ layers, its first standardising the inputs with mean \[[\d.,]+\], std \[[\d.,]+\]\) to .*model\.json\n$/);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: { class_name: string }[] } } };
    expect(json.modelTopology.config.layers[0]!.class_name).toBe(firstLayer);
    const v = await run('eval', '--checkpoint', ck, '--json');
    expect(v.code, v.err).toBe(0);
    const evaluated = JSON.parse(v.out) as { accuracy: number; samples: number };
    const p = await stockParity(ck, out);
    console.log(`export ${name}: fbl eval ${(evaluated.accuracy * 100).toFixed(2)} %, stock tfjs-layers ${(p.accuracy * 100).toFixed(2)} % on ${evaluated.samples} samples; max |Δ logit| ${p.worst.toExponential(2)}`);
    expect(p.differentPredictions).toBe(0);
    expect(p.accuracy).toBe(evaluated.accuracy);
    expect(p.worst).toBeLessThanOrEqual(1e-5);
  });

  it('a --normalize checkpoint without recorded statistics: computed again from its data, or refused in one line when the data is gone', async () => {
    const ck = await trainedCifar();
    const weightsOf = (dir: string) => readFileSync(join(dir, 'weights.bin'));
    const now = await run('export', '--checkpoint', ck, '--out', join(root, 'now-export'));
    expect(now.code, now.err).toBe(0);
    const reference = weightsOf(join(root, 'now-export'));
    const old = await withConfig(ck, join(root, 'old'), (c) => void delete c.data.normalization);
    expect((await loadRun(old)).config.data.normalization).toBeUndefined();
    const e = await run('export', '--checkpoint', old, '--out', join(root, 'old-export'));
    expect(e.code, e.err).toBe(0);
    expect(weightsOf(join(root, 'old-export'))).toEqual(reference);

    const gone = join(root, 'moved-away');
    const orphan = await withConfig(old, join(root, 'orphan'), (c) => void (c['data-dir'] = gone));
    const r = await run('export', '--checkpoint', orphan, '--out', join(root, 'orphan-export'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^fbl: ${orphan} was trained with --normalize but does not record the statistics \\(an older checkpoint\\), and its cifar10 data to compute them from cannot be read \\(CIFAR-10 binary files not found in ${gone} .*\\); pass --data-dir DIR with the run's cifar10 data\n$`));
    expect(existsSync(join(root, 'orphan-export', 'model.json'))).toBe(false);
    const fixed = await run('export', '--checkpoint', orphan, '--out', join(root, 'orphan-export'), '--data-dir', cifar);
    expect(fixed.code, fixed.err).toBe(0);
    expect(weightsOf(join(root, 'orphan-export'))).toEqual(reference);
  });

  it('refuses data whose statistics are not the recorded ones (fbl eval, fbl train --resume)', async () => {
    const other = await withConfig(await trainedCifar(), join(root, 'other-data'), (c) => {
      const n = c.data.normalization as { mean: number[] };
      n.mean = n.mean.map((m) => m + 0.01);
    });
    for (const argv of [['eval', '--checkpoint', other], ['train', '--resume', other, '--epochs', '2']]) {
      const r = await run(...argv);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^fbl: cifar10 at ${cifar} is not the data the run was trained on: its normalisation statistics are mean \\[[\\d.,]+\\], std \\[[\\d.,]+\\], the checkpoint's mean \\[[\\d.,]+\\], std \\[[\\d.,]+\\]; use the run's data\n$`));
    }
  });

  it.each([
    ['a std of 0', (n: Record<string, unknown>): void => { n.std = [0.2, 0, 0.2]; }, /config\.data\.normalization\.std\[1\] must be positive, got 0\n$/],
    ['two means for three channels', (n: Record<string, unknown>): void => { n.mean = [0.5, 0.5]; }, /config\.data\.normalization\.mean must be an array of 3 numbers \(one per channel\), got \[0\.5,0\.5\]\n$/],
    ['a mean that is not a number', (n: Record<string, unknown>): void => { n.mean = [0.5, null, 0.5]; }, /config\.data\.normalization\.mean\[1\] must be a finite number, got null\n$/],
    ['an unknown field', (n: Record<string, unknown>): void => { n.var = [1, 1, 1]; }, /config\.data\.normalization has an unknown field "var" \(mean and std only\)\n$/],
  ] as const)('refuses a checkpoint whose recorded statistics are bad: %s', async (what, edit, message) => {
    const bad = await withConfig(await trainedCifar(), join(root, `bad-${what.replace(/\W+/g, '-')}`), (c) => edit(c.data.normalization as Record<string, unknown>));
    const r = await run('export', '--checkpoint', bad, '--out', join(root, 'bad-export'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('refuses statistics recorded for a run without --normalize', async () => {
    const bad = await withConfig(await trainedCifar(), join(root, 'not-normalised'), (c) => void delete c.normalize);
    const r = await run('export', '--checkpoint', bad, '--out', join(root, 'bad-export'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/config\.data\.normalization is recorded but config\.normalize is not true\n$/);
  });
});
