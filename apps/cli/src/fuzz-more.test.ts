import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FblError, createRng, type Rng } from '@feedback-lab/core';
import { CIFAR10_RECORD_BYTES, cifar10FromBatches, encodeIdx, parseCifarBatch, readTar, spirals, writeTar } from '@feedback-lab/datasets';
import { loadFashionMnist } from '@feedback-lab/datasets/node';
import { describeFuzz, fuzz, mutate, useBackend, type FuzzCase } from '@feedback-lab/test-utils';
import { UsageError } from './args';
import { buildChosenModel, resolveSpec } from './model-choice';
import { checkModelFits } from './model-size';

// Hostile inputs for the conv branch's readers (CIFAR-10 batches, tar archives, Fashion-MNIST
// JSON and its IDX cache) and for --model JSON files: ≥ 1 000 seeded cases each.
const CASES = Number(process.env.FBL_FUZZ_CASES ?? 1000);
const root = mkdtempSync(join(tmpdir(), 'fbl-fuzz2-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const bytes = (rng: Rng, n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
const generic = (rng: Rng, valid: Uint8Array, extra: () => FuzzCase): FuzzCase => {
  switch (rng.int(6)) {
    case 0: return { kind: 'random', bytes: mutate.random(rng, 2 * valid.length) };
    case 1: return { kind: 'truncate', bytes: mutate.truncate(rng, valid) };
    case 2: return { kind: 'flip', bytes: mutate.flipBytes(rng, valid) };
    case 3: return { kind: 'junk', bytes: mutate.appendJunk(rng, valid) };
    case 4: return { kind: 'valid', bytes: valid };
    default: return extra();
  }
};

describe('fuzz: CIFAR-10 and tar', () => {
  it(`CIFAR-10 binary batches: ${CASES} inputs`, async () => {
    const r = await fuzz({
      seed: 11, cases: CASES, codes: ['DATA_FORMAT', 'DATA_MISSING'],
      generate: (rng) => {
        const valid = bytes(rng, CIFAR10_RECORD_BYTES * (1 + rng.int(3)));
        for (let i = 0; i < valid.length; i += CIFAR10_RECORD_BYTES) valid[i] = rng.int(10);
        return generic(rng, valid, () => {
          const b = valid.slice();
          b[CIFAR10_RECORD_BYTES * rng.int(b.length / CIFAR10_RECORD_BYTES)] = 10 + rng.int(246); // bad label
          return { kind: 'label', bytes: b };
        });
      },
      parse: (b) => {
        parseCifarBatch(b, 'fuzzed batch', undefined);
        return cifar10FromBatches({ train: [b, b], test: b }, { strict: false, normalize: true });
      },
      allocBound: (n) => 8 * n + 2 ** 20, // HWC copies of train (2 batches) and test, plus stats
    });
    console.log(describeFuzz('CIFAR-10 batches', r));
    expect(r.rejected).toBeGreaterThan(CASES / 3);
    expect(r.accepted).toBeGreaterThan(0);
  });

  it(`tar archives: ${CASES} inputs`, async () => {
    const r = await fuzz({
      seed: 12, cases: CASES, codes: ['DATA_FORMAT'],
      generate: (rng) => {
        const valid = writeTar([['cifar-10-batches-bin/test_batch.bin', bytes(rng, 1 + rng.int(1500))], ['b.txt', bytes(rng, rng.int(100))]]);
        return generic(rng, valid, () => {
          const b = valid.slice();
          const field = ['77777777777', '-1', 'zzzz', '1e9', '            ', '00000000000'][rng.int(6)]!;
          b.set(new TextEncoder().encode(field.padEnd(12, '\0')).subarray(0, 12), 124); // the size field
          return { kind: 'size-field', bytes: b };
        });
      },
      parse: (b) => readTar(b, 'fuzzed.tar'),
      allocBound: () => 2 ** 20, // entries are views, never copies
    });
    console.log(describeFuzz('tar', r));
    expect(r.rejected).toBeGreaterThan(CASES / 10);
  });
});

describe('fuzz: Fashion-MNIST JSON and cache', () => {
  const img = (rng: Rng) => Array.from({ length: 784 }, () => rng.int(256));
  const classFile = (rng: Rng) => JSON.stringify({ data: [img(rng), [], img(rng), img(rng), img(rng), img(rng), img(rng), img(rng)] });
  const src = join(root, 'clothes');
  beforeAll(() => {
    mkdirSync(src, { recursive: true });
    for (let c = 1; c < 10; c++) writeFileSync(join(src, `${c}.json`), classFile(createRng(c)));
  });

  it(`class JSON files and cached IDX files: ${CASES} inputs`, async () => {
    const enc = new TextEncoder();
    const r = await fuzz({
      seed: 13, cases: CASES, codes: ['DATA_FORMAT', 'DATA_MISSING', 'SHAPE_MISMATCH'],
      generate: (rng) => {
        if (rng.int(4) === 0) {
          // a corrupted cache: one of the four IDX files
          const valid = encodeIdx([7, 28, 28], bytes(rng, 7 * 784));
          return { kind: `cache:${rng.int(4)}`, bytes: generic(rng, valid, () => ({ kind: 'dims', bytes: mutate.setUint32(rng, valid, 4 + 4 * rng.int(3)) })).bytes };
        }
        const text = classFile(rng);
        const hostile = [
          () => text.slice(0, rng.int(text.length)),
          () => text.replace(/\d+/, ['-1', '256', '1.5', '"x"', 'null', '1e99'][rng.int(6)]!),
          () => JSON.stringify({ data: [img(rng).slice(0, rng.int(784))] }),
          () => JSON.stringify([1, 2, 3]),
          () => JSON.stringify({ data: 'x' }),
          () => '{"data": [[' + '['.repeat(rng.int(5000)),
          () => text,
        ];
        return { kind: 'json', bytes: enc.encode(hostile[rng.int(hostile.length)]!()) };
      },
      parse: (b) => {
        const dir = mkdtempSync(join(root, 'case-'));
        try {
          return loadFromCase(b, dir);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      allocBound: (n) => 64 * n + 4 * 2 ** 20, // JSON text → numbers → bytes, plus the 9 other classes
      timeBoundMs: 2000,
    });
    console.log(describeFuzz('fashion-mnist', r));
    expect(r.rejected).toBeGreaterThan(CASES / 3);
  });

  function loadFromCase(b: Uint8Array, dir: string): unknown {
    const first = b[0];
    const isJson = first === 0x7b || first === 0x5b; // '{' or '['
    if (isJson || b.length < 8 || b[2] !== 8) {
      writeFileSync(join(src, '0.json'), b);
      return loadFashionMnist({ sourceDir: src, cacheDir: dir });
    }
    // Write a valid cache, then replace one file with the fuzzed bytes.
    writeFileSync(join(src, '0.json'), JSON.stringify({ data: [Array(784).fill(1)] }));
    loadFashionMnist({ sourceDir: src, cacheDir: dir });
    const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
    writeFileSync(join(dir, 'fashion-mnist-v1', files[b[4]! % 4]!), b);
    return loadFashionMnist({ sourceDir: src, cacheDir: dir });
  }
});

describe('fuzz: --model JSON files', () => {
  beforeAll(() => useBackend('cpu'));
  const dataset = spirals({ seed: 1 });
  const SPEC = { input: [2], layers: [{ type: 'dense', units: 8, activation: 'tanh' }, { type: 'dense', units: 3 }] };
  const CONV = { input: [2, 1, 1], layers: [{ type: 'conv2d', filters: 2, kernel: 1, pool: { type: 'max', size: 1 } }, { type: 'dense', units: 3 }] };
  const HOSTILE: unknown[] = [null, -1, 0, 1.5, 1e9, 2 ** 31, 'x', '', true, [], {}, 'same', 'max', 'relu', [1e6, 1e6, 3], [2]];

  it(`spec files: ${CASES} inputs`, async () => {
    const path = join(root, 'model.json');
    const r = await fuzz({
      seed: 14, cases: CASES, codes: ['INVALID_OPTION', 'SHAPE_MISMATCH', 'MEMORY_BUDGET'],
      generate: (rng) => {
        const spec = JSON.parse(JSON.stringify(rng.int(2) ? SPEC : CONV)) as Record<string, unknown>;
        const text = JSON.stringify(spec);
        const k = rng.int(4);
        if (k === 0) return { kind: 'text', bytes: new TextEncoder().encode(text.slice(0, rng.int(text.length))) };
        if (k === 1) return { kind: 'bytes', bytes: mutate.flipBytes(rng, new TextEncoder().encode(text)) };
        // structured: replace one value anywhere in the tree
        const paths: (string | number)[][] = [];
        const walk = (v: unknown, p: (string | number)[]) => {
          paths.push(p);
          if (v && typeof v === 'object') for (const [key, x] of Object.entries(v)) walk(x, [...p, Array.isArray(v) ? Number(key) : key]);
        };
        walk(spec, []);
        const p = paths[1 + rng.int(paths.length - 1)]!;
        let o = spec as Record<string | number, unknown>;
        for (const key of p.slice(0, -1)) o = o[key] as Record<string | number, unknown>;
        o[p[p.length - 1]!] = HOSTILE[rng.int(HOSTILE.length)];
        return { kind: 'field', bytes: new TextEncoder().encode(JSON.stringify(spec)) };
      },
      parse: (b) => {
        writeFileSync(path, b);
        const { spec } = resolveSpec({ model: path }, dataset);
        checkModelFits(spec, 'momentum', 256 * 2 ** 20);
        try {
          buildChosenModel(spec, dataset, 1).dispose();
        } catch (err) {
          // the CLI's own typed error for a spec that does not fit the data (exit 2)
          if (err instanceof UsageError) throw new FblError('SHAPE_MISMATCH', err.message);
          throw err;
        }
      },
      allocBound: () => 256 * 2 ** 20,
    });
    console.log(describeFuzz('--model spec', r));
    expect(tf.memory().numTensors).toBe(0);
    expect(r.rejected).toBeGreaterThan(CASES / 3);
    expect(r.accepted).toBeGreaterThan(0);
  });
});
