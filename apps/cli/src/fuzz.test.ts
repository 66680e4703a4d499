import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rng } from '@feedback-lab/core';
import { decodeCheckpoint } from '@feedback-lab/checkpoint';
import { encodeIdx, mnistFromIdx, parseIdx, spirals } from '@feedback-lab/datasets';
import { readDataFile } from '@feedback-lab/datasets/node';
import { createTrainer, restoreTrainingState } from '@feedback-lab/trainer';
import { describeFuzz, fuzz, mutate, useBackend, type FuzzCase } from '@feedback-lab/test-utils';
import { buildRun, type RunConfig } from './run-config';
import { parseRunCheckpoint, saveRun } from './run-checkpoint';

// Hostile inputs for every reader of untrusted bytes: each gets ≥ 1 000 seeded generated
// inputs (random bytes, truncations, flipped bytes, hostile header fields, huge claimed sizes)
// and must end every one in acceptance or a typed FblError, fast, with bounded allocation.
const CASES = Number(process.env.FBL_FUZZ_CASES ?? 1000);
const root = mkdtempSync(join(tmpdir(), 'fbl-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function validIdx(rng: Rng): Uint8Array {
  const rank = 1 + rng.int(3);
  const dims = Array.from({ length: rank }, () => 1 + rng.int(6));
  return encodeIdx(dims, Uint8Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.int(256)));
}

function idxCase(rng: Rng): FuzzCase {
  const valid = validIdx(rng);
  switch (rng.int(7)) {
    case 0: return { kind: 'random', bytes: mutate.random(rng, 64) };
    case 1: return { kind: 'truncate', bytes: mutate.truncate(rng, valid) };
    case 2: return { kind: 'flip', bytes: mutate.flipBytes(rng, valid) };
    case 3: return { kind: 'junk', bytes: mutate.appendJunk(rng, valid) };
    case 4: return { kind: 'huge-dim', bytes: mutate.setUint32(rng, valid, 4 + 4 * rng.int(valid[3]!)) };
    case 5: return { kind: 'type/rank', bytes: Uint8Array.from(valid, (b, i) => (i === 2 || i === 3) && rng.int(2) ? rng.int(256) : b) };
    default: return { kind: 'valid', bytes: valid };
  }
}

/** Four small but valid MNIST-format buffers (28×28 images), one of which the fuzzer replaces. */
const mnistParts = () => {
  const img = (n: number) => encodeIdx([n, 28, 28], new Uint8Array(n * 784).fill(3));
  const lbl = (n: number) => encodeIdx([n], new Uint8Array(n).fill(1));
  return { trainImages: img(3), trainLabels: lbl(3), testImages: img(2), testLabels: lbl(2) };
};

describe('fuzz: dataset parsers', () => {
  it(`IDX parser: ${CASES} inputs`, async () => {
    const r = await fuzz({ seed: 1, cases: CASES, generate: idxCase, parse: (b) => parseIdx(b), codes: ['DATA_FORMAT'], allocBound: () => 2 ** 20 });
    console.log(describeFuzz('parseIdx', r));
    expect(r.rejected).toBeGreaterThan(CASES / 2);
    expect(r.accepted).toBeGreaterThan(0);
  });

  it(`MNIST loader (IDX files checked against each other): ${CASES} inputs`, async () => {
    const keys = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
    const r = await fuzz({
      seed: 2, cases: CASES, codes: ['DATA_FORMAT', 'SHAPE_MISMATCH'],
      generate: (rng) => {
        const which = keys[rng.int(4)]!;
        const base = mnistParts()[which];
        const c = rng.int(3) === 0 ? idxCase(rng) : { kind: 'header', bytes: mutate.setUint32(rng, base, 4 + 4 * rng.int(base[3]!)) };
        return { kind: `${which}:${c.kind}`, bytes: c.bytes };
      },
      parse: (b) => {
        // the case's kind is not passed in; put the bytes in every slot in turn
        for (const k of keys) mnistFromIdx({ ...mnistParts(), [k]: b });
      },
    });
    console.log(describeFuzz('mnistFromIdx', r));
    expect(r.rejected).toBeGreaterThan(CASES / 2);
  });

  it(`gzip data files: ${CASES} inputs`, async () => {
    const valid = gzipSync(encodeIdx([4, 28, 28], new Uint8Array(4 * 784).fill(9)));
    const r = await fuzz({
      seed: 3, cases: CASES, codes: ['DATA_FORMAT'],
      generate: (rng) => {
        const k = rng.int(4);
        const bytes = k === 0 ? mutate.random(rng, 200) : k === 1 ? mutate.truncate(rng, valid) : k === 2 ? mutate.flipBytes(rng, valid) : mutate.appendJunk(rng, valid);
        return { kind: ['random', 'truncate', 'flip', 'junk'][k]!, bytes };
      },
      parse: (b) => {
        const path = join(root, 'f.idx.gz');
        writeFileSync(path, b);
        return parseIdx(readDataFile(path, 2 ** 20), path);
      },
      allocBound: () => 4 * 2 ** 20,
    });
    console.log(describeFuzz('readDataFile(.gz)+parseIdx', r));
    expect(r.rejected).toBeGreaterThan(CASES / 2);
  });
});

describe('fuzz: checkpoint reader', () => {
  const config: RunConfig = {
    rule: 'bp', dataset: 'spirals', arch: '2-8-3', activation: 'tanh', optimizer: 'adam', lr: 0.01, 'batch-size': 10, epochs: 1, seed: 1, backend: 'cpu',
    spec: { input: [2], layers: [{ type: 'dense', units: 8, activation: 'tanh' }, { type: 'dense', units: 3 }] }, data: { inputShape: [2], numClasses: 3 },
  };
  const dataset = spirals({ seed: 1 });
  let valid = new Uint8Array();
  beforeAll(async () => {
    await useBackend('cpu');
    const run = await buildRun(config, dataset);
    await createTrainer({ ...run, seed: 1 }).fit({ epochs: 1, batchSize: 10, limit: 30 });
    await saveRun(join(root, 'ck'), config, { epoch: 2, batchInEpoch: 0, step: 3, lossSum: 0, seen: 0 }, run);
    run.dispose();
    valid = new Uint8Array((await import('node:fs')).readFileSync(join(root, 'ck', 'checkpoint.fblc')));
  });

  /** Rebuilds a checkpoint around a new header, with a correct length and checksum. */
  const reseal = (header: string, data: Uint8Array, headerLength?: number) => {
    const h = new TextEncoder().encode(header);
    const out = new Uint8Array(44 + h.length + data.length);
    out.set(valid.subarray(0, 8));
    new DataView(out.buffer).setUint32(40, headerLength ?? h.length, true);
    out.set(h, 44);
    out.set(data, 44 + h.length);
    out.set(createHash('sha256').update(out.subarray(40)).digest(), 8);
    return out;
  };
  const HOSTILE: unknown[] = [null, -1, 0, 1.5, 2 ** 31, 2 ** 53, -(2 ** 60), 1e308, 'x', '', true, [], {}, [2 ** 31, 2 ** 31, 2 ** 31], [1e9], ['a'], { a: 1 }, 'float64'];

  function checkpointCase(rng: Rng): FuzzCase {
    const hl = new DataView(valid.buffer, valid.byteOffset).getUint32(40, true);
    const header = JSON.parse(new TextDecoder().decode(valid.subarray(44, 44 + hl))) as Record<string, unknown>;
    const data = valid.subarray(44 + hl);
    switch (rng.int(7)) {
      case 0: return { kind: 'random', bytes: rng.int(2) ? mutate.random(rng, 300) : Uint8Array.from([...valid.subarray(0, 8), ...mutate.random(rng, 300)]) };
      case 1: return { kind: 'truncate', bytes: mutate.truncate(rng, valid) };
      case 2: return { kind: 'flip', bytes: mutate.flipBytes(rng, valid) };
      case 3: return { kind: 'header-length', bytes: reseal(JSON.stringify(header), data, [0, 1, 2 ** 32 - 1, hl + 1, hl - 1, rng.int(2 ** 32)][rng.int(6)]) };
      case 4: return { kind: 'bad-json', bytes: reseal(JSON.stringify(header).slice(0, rng.int(hl)) + '\u0000', data) };
      case 5: {
        const d = data.slice();
        new DataView(d.buffer).setFloat32(4 * rng.int(d.length / 4), [NaN, Infinity, -0, 3.4e38][rng.int(4)]!, true);
        return { kind: 'data', bytes: reseal(JSON.stringify(header), d) };
      }
      default: {
        const paths = leafPaths(header);
        const path = paths[rng.int(paths.length)]!;
        setPath(header, path, HOSTILE[rng.int(HOSTILE.length)]);
        return { kind: 'field', bytes: reseal(JSON.stringify(header), data) };
      }
    }
  }

  it(`decode + validate + restore: ${CASES} inputs`, async () => {
    const r = await fuzz({
      seed: 4, cases: CASES, codes: ['CHECKPOINT'], generate: checkpointCase, allocBound: (n) => 2 * n + 2 ** 20,
      parse: async (b) => {
        const ck = parseRunCheckpoint(await decodeCheckpoint(b), 'fuzzed');
        const run = await buildRun(config, dataset);
        try {
          await restoreTrainingState(run.model, run.optimizer, run.rule, ck.state);
        } finally {
          run.dispose();
        }
      },
    });
    console.log(describeFuzz('checkpoint', r));
    expect(tf.memory().numTensors).toBeLessThan(100);
    expect(r.rejected).toBeGreaterThan(CASES / 2);
    expect(r.accepted).toBeGreaterThan(0);
  });
});

function leafPaths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return [prefix];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [prefix, ...entries.flatMap(([k, x]) => leafPaths(x, [...prefix, k]))];
}

function setPath(obj: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  if (path.length === 0) return;
  let o = obj as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
}
