import { FblError, type Dataset } from '@feedback-lab/core';
import { arrayDataset, channelStats, type SplitData } from './array-dataset';

/** The six files of the official binary distribution (cifar-10-binary.tar.gz). */
export const CIFAR10_FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: 'test_batch.bin',
} as const;

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** One record: a label byte, then 1024 red, 1024 green and 1024 blue bytes, rows top to bottom. */
const PIXELS = 32 * 32;
export const CIFAR10_RECORD_BYTES = 1 + 3 * PIXELS;

/**
 * Parses one CIFAR-10 binary batch into channels-last [N, 32, 32, 3] bytes and labels. The
 * official files hold 10 000 records each; `expectedRecords` checks that (pass undefined to
 * accept any whole number of records, as the small test fixtures do).
 *
 * @param what names the file in error messages.
 */
export function parseCifarBatch(buf: Uint8Array, what: string, expectedRecords?: number): SplitData {
  if (buf.length === 0 || buf.length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(buf.length / CIFAR10_RECORD_BYTES);
    throw new FblError('DATA_FORMAT', `${what}: ${buf.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records (${whole} records + ${buf.length - whole * CIFAR10_RECORD_BYTES} bytes; truncated or not a CIFAR-10 binary batch)`);
  }
  const n = buf.length / CIFAR10_RECORD_BYTES;
  if (expectedRecords !== undefined && n !== expectedRecords) {
    throw new FblError('DATA_FORMAT', `${what}: ${n} records, expected ${expectedRecords}`);
  }
  const labels = new Uint8Array(n);
  const features = new Uint8Array(n * 3 * PIXELS);
  for (let i = 0; i < n; i++) {
    const rec = i * CIFAR10_RECORD_BYTES;
    const label = buf[rec]!;
    if (label > 9) throw new FblError('DATA_FORMAT', `${what}: record ${i} has label ${label}, outside 0..9 (corrupt file?)`);
    labels[i] = label;
    // planar RGB → interleaved HWC, the layout tfjs convolutions take
    const out = i * 3 * PIXELS;
    for (let p = 0; p < PIXELS; p++) {
      features[out + 3 * p] = buf[rec + 1 + p]!;
      features[out + 3 * p + 1] = buf[rec + 1 + PIXELS + p]!;
      features[out + 3 * p + 2] = buf[rec + 1 + 2 * PIXELS + p]!;
    }
  }
  return { features, labels };
}

function concat(parts: readonly SplitData[]): SplitData {
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const features = new Uint8Array(n * 3 * PIXELS);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    features.set(p.features, at * 3 * PIXELS);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return { features, labels };
}

export interface CifarBuffers {
  /** The five training batches, in order. */
  train: readonly Uint8Array[];
  test: Uint8Array;
}

/**
 * CIFAR-10 (32×32×3, 10 classes) from the raw binary batches, wherever they come from.
 * `strict` (default true) requires the official 10 000 records per file; `normalize`
 * standardises each colour channel with the train split's mean and std.
 *
 * @example
 * const ds = cifar10FromBatches({ train: [b1, b2, b3, b4, b5], test }, { normalize: true });
 */
export function cifar10FromBatches(bufs: CifarBuffers, o: { strict?: boolean; normalize?: boolean } = {}): Dataset {
  const expect = o.strict === false ? undefined : 10_000;
  if (bufs.train.length === 0) throw new FblError('DATA_MISSING', 'cifar10: no training batches');
  const train = concat(bufs.train.map((b, i) => parseCifarBatch(b, `cifar10 ${CIFAR10_FILES.train[i] ?? `train batch ${i + 1}`}`, expect)));
  const test = parseCifarBatch(bufs.test, `cifar10 ${CIFAR10_FILES.test}`, expect);
  return arrayDataset({
    name: 'cifar10',
    inputShape: [32, 32, 3],
    numClasses: 10,
    train,
    test,
    normalize: o.normalize ? channelStats(train.features, 3, 1 / 255) : undefined,
  });
}
