import * as tf from '@tensorflow/tfjs-core';
import { FblError, createRng, permutation, type Batch, type BatchOptions, type Dataset, type Split } from '@feedback-lab/core';

/** One split held as raw arrays: `features` is N × prod(inputShape), row-major. */
export interface SplitData {
  features: Uint8Array | Float32Array;
  labels: Uint8Array;
}

export interface ArrayDatasetOptions {
  name: string;
  inputShape: readonly number[];
  numClasses: number;
  train: SplitData;
  test: SplitData;
  /** Multiplier applied when a batch is made; default 1/255 for Uint8Array features, else 1. */
  scale?: number;
}

/**
 * A Dataset over in-memory arrays. Features stay in their raw form (bytes for images) until a
 * batch is made, so the dataset costs its raw size; shuffling is a seeded permutation per call.
 */
export function arrayDataset(o: ArrayDatasetOptions): Dataset {
  const dim = o.inputShape.reduce((a, b) => a * b, 1);
  for (const split of ['train', 'test'] as const) validate(o, split, dim);
  const splits = { train: o.train, test: o.test };
  return {
    name: o.name,
    inputShape: o.inputShape,
    numClasses: o.numClasses,
    size: (split: Split) => splits[split].labels.length,
    batches(b: BatchOptions): AsyncIterable<Batch> {
      const data = splits[b.split];
      if (!data) throw new FblError('INVALID_OPTION', `unknown split "${String(b.split)}" (train or test)`);
      if (!Number.isInteger(b.batchSize) || b.batchSize < 1) {
        throw new FblError('INVALID_OPTION', `batch size must be a positive integer, got ${b.batchSize}`);
      }
      const n = Math.min(data.labels.length, b.limit ?? Infinity);
      const order = b.shuffle ? permutation(n, createRng(b.seed ?? 0)) : undefined;
      const scale = o.scale ?? (data.features instanceof Uint8Array ? 1 / 255 : 1);
      const skip = (b.skipBatches ?? 0) * b.batchSize;
      return {
        async *[Symbol.asyncIterator]() {
          for (let start = skip; start < n; start += b.batchSize) {
            const size = Math.min(b.batchSize, n - start);
            yield makeBatch(data, order, start, size, dim, o.numClasses, scale, o.inputShape);
          }
        },
      };
    },
  };
}

function makeBatch(
  data: SplitData, order: Uint32Array | undefined, start: number, size: number,
  dim: number, numClasses: number, scale: number, inputShape: readonly number[],
): Batch {
  const x = new Float32Array(size * dim);
  const labels = new Uint8Array(size);
  const y = new Float32Array(size * numClasses);
  for (let i = 0; i < size; i++) {
    const idx = order ? order[start + i]! : start + i;
    const src = data.features.subarray(idx * dim, (idx + 1) * dim);
    const off = i * dim;
    for (let j = 0; j < dim; j++) x[off + j] = src[j]! * scale;
    labels[i] = data.labels[idx]!;
    y[i * numClasses + labels[i]!] = 1;
  }
  return {
    x: tf.tensor(x, [size, ...inputShape], 'float32'),
    y: tf.tensor2d(y, [size, numClasses], 'float32'),
    labels,
    size,
  };
}

function validate(o: ArrayDatasetOptions, split: Split, dim: number): void {
  const d = o[split];
  const n = d.labels.length;
  if (d.features.length !== n * dim) {
    throw new FblError('SHAPE_MISMATCH', `${o.name} ${split}: ${d.features.length} feature values for ${n} labels of shape [${o.inputShape}] (expected ${n * dim})`);
  }
  for (let i = 0; i < n; i++) {
    if (d.labels[i]! >= o.numClasses) {
      throw new FblError('DATA_FORMAT', `${o.name} ${split}: label ${d.labels[i]} at index ${i} is outside 0..${o.numClasses - 1}`);
    }
  }
}
