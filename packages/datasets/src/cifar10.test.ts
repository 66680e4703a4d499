import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { FblError, selectBackend } from '@feedback-lab/core';
import { CIFAR10_FILES, CIFAR10_RECORD_BYTES, cifar10FromBatches, parseCifarBatch } from './cifar10';
import { loadCifar10 } from './cifar10-node';
import { writeTar } from './tar';

/** A batch in the official format: record i has label i % 10, red = i, green = 100 + pixel % 50, blue = 255. */
function fixture(records: number, labelOf = (i: number) => i % 10): Uint8Array {
  const buf = new Uint8Array(records * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < records; i++) {
    const r = i * CIFAR10_RECORD_BYTES;
    buf[r] = labelOf(i);
    for (let p = 0; p < 1024; p++) {
      buf[r + 1 + p] = i % 256;
      buf[r + 1 + 1024 + p] = 100 + (p % 50);
      buf[r + 1 + 2048 + p] = 255;
    }
  }
  return buf;
}

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'fbl-cifar-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function writeFixtureDir(dir: string, records = 4): void {
  CIFAR10_FILES.train.forEach((f, i) => writeFileSync(join(dir, f), fixture(records, (k) => (k + i) % 10)));
  writeFileSync(join(dir, CIFAR10_FILES.test), fixture(records));
}

const errorOf = (fn: () => unknown): FblError => {
  try {
    fn();
  } catch (err) {
    return err as FblError;
  }
  throw new Error('expected an error');
};

describe('CIFAR-10 binary format', () => {
  it('parses records into channels-last pixels and labels', () => {
    const { features, labels } = parseCifarBatch(fixture(3), 'fixture');
    expect(Array.from(labels)).toEqual([0, 1, 2]);
    expect(features.length).toBe(3 * 3072);
    // record 2, pixel 7 → (R, G, B) = (2, 107, 255)
    expect(Array.from(features.subarray(2 * 3072 + 21, 2 * 3072 + 24))).toEqual([2, 107, 255]);
  });

  it('rejects truncated files, bad labels and wrong record counts with typed errors', () => {
    const trunc = errorOf(() => parseCifarBatch(fixture(2).subarray(0, 2 * CIFAR10_RECORD_BYTES - 5), 'data_batch_1.bin'));
    expect(trunc.code).toBe('DATA_FORMAT');
    expect(trunc.message).toMatch(/data_batch_1.bin: 6141 bytes is not a whole number of 3073-byte records \(1 records \+ 3068 bytes/);
    expect(errorOf(() => parseCifarBatch(new Uint8Array(0), 'empty')).code).toBe('DATA_FORMAT');
    const bad = errorOf(() => parseCifarBatch(fixture(3, (i) => (i === 2 ? 10 : 0)), 'test_batch.bin'));
    expect(bad.code).toBe('DATA_FORMAT');
    expect(bad.message).toMatch(/record 2 has label 10, outside 0..9/);
    const count = errorOf(() => cifar10FromBatches({ train: [fixture(2)], test: fixture(2) }));
    expect(count.message).toMatch(/2 records, expected 10000/);
  });

  it('loads a directory of fixture batches, normalises per channel, and makes batches', async () => {
    await selectBackend('wasm');
    const dir = tempDir();
    mkdirSync(join(dir, 'cifar-10-batches-bin'));
    writeFixtureDir(join(dir, 'cifar-10-batches-bin'));
    const ds = await loadCifar10({ dataDir: dir, lenient: true, normalize: true });
    expect(ds.inputShape).toEqual([32, 32, 3]);
    expect(ds.size('train')).toBe(20);
    expect(ds.size('test')).toBe(4);
    for await (const b of ds.batches({ split: 'train', batchSize: 20 })) {
      const x = b.x as tf.Tensor4D;
      expect(x.shape).toEqual([20, 32, 32, 3]);
      const [m, s] = tf.tidy(() => {
        const mom = tf.moments(x, [0, 1, 2]);
        return [Array.from(mom.mean.dataSync()), Array.from(tf.sqrt(mom.variance).dataSync())];
      });
      // red and green vary → mean 0, std 1; blue is constant 255 → mean 0 (std floor keeps it finite)
      m.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-3));
      expect(s[0]).toBeCloseTo(1, 3);
      expect(s[1]).toBeCloseTo(1, 3);
      tf.dispose([b.x, b.y]);
    }
  });

  it('says where to put the files when they are missing and no download is asked for', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data_batch_1.bin'), fixture(1));
    await expect(loadCifar10({ dataDir: dir })).rejects.toThrow(/CIFAR-10 binary files not found in .*put data_batch_1.bin, .*test_batch.bin there .*cifar-10-binary.tar.gz.*--download/);
    await expect(loadCifar10({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_MISSING' });
  });

  it('downloads, verifies the checksum, unpacks, then loads from the cache without fetching again', async () => {
    const files = [...CIFAR10_FILES.train, CIFAR10_FILES.test].map((f) => [`cifar-10-batches-bin/${f}`, fixture(3)] as [string, Uint8Array]);
    const archive = gzipSync(writeTar(files));
    const md5 = createHash('md5').update(archive).digest('hex');
    let calls = 0;
    const fetch = async () => {
      calls++;
      return { ok: true, status: 200, arrayBuffer: async () => archive.buffer.slice(archive.byteOffset, archive.byteOffset + archive.byteLength) as ArrayBuffer };
    };
    const dir = tempDir();
    const ds = await loadCifar10({ dataDir: dir, download: true, lenient: true, fetch, md5 });
    expect(ds.size('train')).toBe(15);
    expect(readdirSync(join(dir, 'cifar-10-batches-bin')).sort()).toEqual([...CIFAR10_FILES.train, CIFAR10_FILES.test].sort());
    await loadCifar10({ dataDir: dir, download: true, lenient: true, fetch, md5 });
    expect(calls).toBe(1);

    const other = tempDir();
    await expect(loadCifar10({ dataDir: other, download: true, fetch, md5: '0'.repeat(32) })).rejects.toThrow(/checksum mismatch/);
    expect(readdirSync(other)).toEqual([]); // nothing cached from a bad download
    const offline = async () => {
      throw new Error('getaddrinfo ENOTFOUND www.cs.toronto.edu');
    };
    await expect(loadCifar10({ dataDir: other, download: true, fetch: offline })).rejects.toThrow(/could not download .*ENOTFOUND.*offline\? CIFAR-10 binary files not found/);
  });
});
