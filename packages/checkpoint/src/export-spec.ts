import { FblError } from '@feedback-lab/core';

/** The layers of a model, as in core's ModelSpec (dense and conv2d blocks). */
export interface ExportLayer {
  type: 'dense' | 'conv2d';
  units?: number;
  filters?: number;
  kernel?: number;
  stride?: number;
  padding?: 'same' | 'valid';
  pool?: { type: 'max' | 'avg'; size: number; stride?: number; padding?: 'same' | 'valid' };
  activation?: string;
  /** Batch normalisation before the activation (after pooling): a `batchNormalization` layer. */
  batchNorm?: boolean | { momentum?: number; epsilon?: number };
}

/** Per-channel standardisation of the inputs, x ← (x − mean[c]) / std[c], c the last axis. */
export interface InputNormalization {
  mean: readonly number[];
  std: readonly number[];
}

export interface ExportSpec {
  name?: string;
  /** The shape the first block sees, e.g. [28, 28, 1] for a conv net fed flat [784] images. */
  input: number[];
  layers: ExportLayer[];
  /**
   * The standardisation the model was trained behind (`--normalize`). The export then starts
   * with a layer that applies it, so the model takes the [0, 1]-scaled data as it is.
   */
  inputNormalization?: InputNormalization;
}

/**
 * The layer that applies an export's input normalisation, as x · scale[c] + offset[c] with
 * scale = 1 / std and offset = −mean / std: exactly (x − mean[c]) / std[c], and fixed, so
 * fine-tuning the exported model leaves it alone. One channel (MNIST, flat or [28, 28, 1]) is a
 * Rescaling layer; several (CIFAR-10's [32, 32, 3]) a 1×1 DepthwiseConv2D, kernel = scale and
 * bias = offset, not trainable (1×1, so no padding and nothing at the borders).
 */
export interface NormalizationLayer {
  name: 'normalize_input';
  scale: number[];
  offset: number[];
}

/**
 * The normalisation layer for data of `dataShape`: one statistic per channel (the last axis of
 * [h, w, c]), or one for all. A bad count or value is a one-line SHAPE_MISMATCH/INVALID_OPTION.
 */
export function normalizationLayer(n: InputNormalization, dataShape: readonly number[]): NormalizationLayer {
  const channels = n.mean.length;
  if (n.std.length !== channels || channels === 0 || (channels > 1 && (dataShape.length !== 3 || dataShape[2] !== channels))) {
    throw new FblError('SHAPE_MISMATCH', `export: input normalisation has ${n.mean.length} means and ${n.std.length} stds for data of shape [${dataShape}] (needs 1, or one per channel of [h, w, c] data)`);
  }
  if (!n.mean.every(Number.isFinite) || !n.std.every((s) => Number.isFinite(s) && s > 0)) {
    throw new FblError('INVALID_OPTION', `export: input normalisation needs finite means and positive stds, got mean [${n.mean}] std [${n.std}]`);
  }
  return { name: 'normalize_input', scale: n.std.map((s) => 1 / s), offset: n.mean.map((m, c) => -m / n.std[c]!) };
}
