import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@feedback-lab/core';
import { arrayDataset, channelStats, normalizationOf } from './array-dataset';
import { spirals } from './synthetic';

const labelsOf = async (ds: ReturnType<typeof spirals>, o: Parameters<ReturnType<typeof spirals>['batches']>[0]) => {
  const out: number[] = [];
  for await (const b of ds.batches(o)) {
    out.push(...b.labels);
    tf.dispose([b.x, b.y]);
  }
  return out;
};

describe('arrayDataset', () => {
  it('shuffles deterministically per seed, honours limit and skipBatches', async () => {
    await selectBackend('wasm');
    const ds = spirals({ perClass: 20, numClasses: 3 });
    const a = await labelsOf(ds, { split: 'train', batchSize: 7, shuffle: true, seed: 5 });
    const b = await labelsOf(ds, { split: 'train', batchSize: 7, shuffle: true, seed: 5 });
    const c = await labelsOf(ds, { split: 'train', batchSize: 7, shuffle: true, seed: 6 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.length).toBe(60);
    expect([...a].sort()).toEqual([...(await labelsOf(ds, { split: 'train', batchSize: 60 }))].sort());
    expect(await labelsOf(ds, { split: 'train', batchSize: 7, limit: 10 })).toHaveLength(10);
    expect(await labelsOf(ds, { split: 'train', batchSize: 7, shuffle: true, seed: 5, skipBatches: 2 })).toEqual(a.slice(14));
  });

  it('builds one-hot targets and scaled inputs', async () => {
    const ds = arrayDataset({
      name: 't', inputShape: [2], numClasses: 3,
      train: { features: Uint8Array.from([0, 255, 51, 102]), labels: Uint8Array.from([2, 0]) },
      test: { features: new Uint8Array(0), labels: new Uint8Array(0) },
    });
    for await (const b of ds.batches({ split: 'train', batchSize: 2 })) {
      expect(Array.from(b.x.dataSync())).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
      expect(Array.from(b.y.dataSync())).toEqual([0, 0, 1, 1, 0, 0]);
      tf.dispose([b.x, b.y]);
    }
  });

  it('tells the statistics it standardises with (normalizationOf), and none without normalize', async () => {
    const train = { features: Uint8Array.from([0, 255, 51, 102, 204, 0]), labels: Uint8Array.from([0, 1, 0]) };
    const base = { name: 't', inputShape: [1, 1, 2], numClasses: 2, train, test: train };
    const stats = channelStats(train.features, 2, 1 / 255);
    const ds = arrayDataset({ ...base, normalize: stats });
    expect(normalizationOf(ds)).toEqual(stats);
    // channel 0 holds 0, 0.2, 0.8 and channel 1 holds 1, 0.4, 0
    expect(stats.mean[0]).toBeCloseTo(1 / 3, 12);
    expect(stats.mean[1]).toBeCloseTo(1.4 / 3, 12);
    expect(stats.std[0]).toBeCloseTo(Math.sqrt((0.04 + 0.64) / 3 - 1 / 9), 12);
    for await (const b of ds.batches({ split: 'train', batchSize: 3 })) {
      const raw = Array.from(train.features, (v, j) => (v / 255 - stats.mean[j % 2]!) / stats.std[j % 2]!);
      expect(Array.from(b.x.dataSync())).toEqual(raw.map(Math.fround));
      tf.dispose([b.x, b.y]);
    }
    expect(normalizationOf(arrayDataset(base))).toBeUndefined();
    expect(normalizationOf(spirals())).toBeUndefined();
  });

  it('rejects inconsistent arrays and bad batch sizes', () => {
    const make = (features: Uint8Array, labels: Uint8Array) => () =>
      arrayDataset({ name: 't', inputShape: [2], numClasses: 3, train: { features, labels }, test: { features: new Uint8Array(0), labels: new Uint8Array(0) } });
    expect(make(new Uint8Array(3), new Uint8Array(2))).toThrow(/3 feature values for 2 labels/);
    expect(make(new Uint8Array(4), Uint8Array.from([0, 3]))).toThrow(/label 3 at index 1/);
    const ds = spirals();
    expect(() => ds.batches({ split: 'train', batchSize: 0 })).toThrow(/batch size must be a positive integer/);
  });
});
