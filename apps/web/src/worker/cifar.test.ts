import { describe, expect, it } from 'vitest';
import { CIFAR10_RECORD_BYTES } from '@feedback-lab/datasets';
import { cifarBuffers } from './cifar';

/** n records in the official layout, all with label `label`. */
const batch = (n: number, label: number) => {
  const b = new Uint8Array(n * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < n; i++) b[i * CIFAR10_RECORD_BYTES] = label;
  return b.buffer;
};

describe('cifarBuffers', () => {
  it('orders the training batches by number and ignores the tarball\'s other files', () => {
    const bufs = cifarBuffers([
      { name: 'test_batch.bin', bytes: batch(1, 9) }, { name: 'data_batch_2.bin', bytes: batch(2, 2) },
      { name: 'batches.meta.txt', bytes: new ArrayBuffer(3) }, { name: 'data_batch_1.bin', bytes: batch(1, 1) },
    ]);
    expect(bufs.train.map((b) => [b.length / CIFAR10_RECORD_BYTES, b[0]])).toEqual([[1, 1], [2, 2]]);
    expect(bufs.test[0]).toBe(9);
  });

  it('names a file that is not a CIFAR-10 batch, by name or by content, and a missing split', () => {
    const test = { name: 'test_batch.bin', bytes: batch(1, 0) };
    expect(() => cifarBuffers([test, { name: 'cat.png', bytes: batch(1, 0) }])).toThrow(/^cat\.png is not a CIFAR-10 binary batch: pick data_batch_1\.bin/);
    expect(() => cifarBuffers([test, { name: 'data_batch_1.bin', bytes: new ArrayBuffer(100) }])).toThrow(/^data_batch_1\.bin: 100 bytes is not a whole number of 3073-byte records/);
    expect(() => cifarBuffers([test])).toThrow(/add at least one data_batch_N\.bin/);
    expect(() => cifarBuffers([{ name: 'data_batch_1.bin', bytes: batch(1, 0) }])).toThrow(/add test_batch\.bin/);
  });
});
