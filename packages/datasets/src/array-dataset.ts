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
  /**
   * Per-channel normalisation applied after `scale`: x ← (x − mean[c]) / std[c], where the
   * channel is the last axis of an [h, w, c] `inputShape` and the single channel of a flat one
   * (see {@link channelStats}).
   */
  normalize?: ChannelStats;
}

/** Channels of a per-sample shape: the last axis of [h, w, c], 1 for flat inputs. */
export function channelsOf(inputShape: readonly number[]): number {
  return inputShape.length === 3 ? inputShape[2]! : 1;
}

/** Mean and standard deviation per channel, in scaled units. */
export interface ChannelStats {
  mean: readonly number[];
  std: readonly number[];
}

/** A dataset that standardises its batches, with the statistics it applies. */
interface NormalizedDataset extends Dataset {
  readonly normalization?: ChannelStats;
}

/**
 * The per-channel statistics a dataset's batches are standardised with (x ← (x − mean) / std on
 * the [0, 1]-scaled values), or undefined when it serves them unstandardised. A model trained on
 * it expects its inputs so; `fbl export` builds them into the exported model.
 */
export function normalizationOf(dataset: Dataset): ChannelStats | undefined {
  return (dataset as NormalizedDataset).normalization;
}

/**
 * Per-channel mean and standard deviation of a split's features (channel = last axis,
 * channels-last layout), after multiplying by `scale`. Computed on the train split so test
 * data is normalised with statistics it did not contribute to.
 *
 * @example
 * const stats = channelStats(train.features, 3, 1 / 255); // CIFAR-10: ≈ mean [0.49, 0.48, 0.45]
 */
export function channelStats(features: Uint8Array | Float32Array, channels: number, scale = 1): ChannelStats {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < features.length; i++) {
    const v = features[i]! * scale;
    sum[i % channels]! += v;
    sq[i % channels]! += v * v;
  }
  const n = features.length / channels;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (q, c) => Math.sqrt(Math.max(q / n - mean[c]! ** 2, 1e-12)));
  return { mean, std };
}

/**
 * A Dataset over in-memory arrays. Features stay in their raw form (bytes for images) until a
 * batch is made, so the dataset costs its raw size; shuffling is a seeded permutation per call.
 */
export function arrayDataset(o: ArrayDatasetOptions): Dataset {
  const dim = o.inputShape.reduce((a, b) => a * b, 1);
  for (const split of ['train', 'test'] as const) validate(o, split, dim);
  if (o.normalize) {
    const ch = channelsOf(o.inputShape);
    if (o.normalize.mean.length !== ch || o.normalize.std.length !== ch || o.normalize.std.some((s) => !(s > 0))) {
      throw new FblError('INVALID_OPTION', `${o.name}: normalisation needs ${ch} means and ${ch} positive stds, got mean [${o.normalize.mean}] std [${o.normalize.std}]`);
    }
  }
  const splits = { train: o.train, test: o.test };
  const dataset: NormalizedDataset = {
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
      const norm = o.normalize;
      const skip = (b.skipBatches ?? 0) * b.batchSize;
      return {
        async *[Symbol.asyncIterator]() {
          for (let start = skip; start < n; start += b.batchSize) {
            const size = Math.min(b.batchSize, n - start);
            yield makeBatch(data, order, start, size, dim, o.numClasses, scale, o.inputShape, norm);
          }
        },
      };
    },
    ...(o.normalize ? { normalization: { mean: [...o.normalize.mean], std: [...o.normalize.std] } } : {}),
  };
  return dataset;
}

function makeBatch(
  data: SplitData, order: Uint32Array | undefined, start: number, size: number,
  dim: number, numClasses: number, scale: number, inputShape: readonly number[], norm?: ChannelStats,
): Batch {
  const x = new Float32Array(size * dim);
  const labels = new Uint8Array(size);
  const y = new Float32Array(size * numClasses);
  for (let i = 0; i < size; i++) {
    const idx = order ? order[start + i]! : start + i;
    const src = data.features.subarray(idx * dim, (idx + 1) * dim);
    const off = i * dim;
    if (norm) {
      const ch = norm.mean.length;
      for (let j = 0; j < dim; j++) x[off + j] = (src[j]! * scale - norm.mean[j % ch]!) / norm.std[j % ch]!;
    } else {
      for (let j = 0; j < dim; j++) x[off + j] = src[j]! * scale;
    }
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
