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

/** The layer that applies an export's input normalisation: its name and weight values. */
export interface NormalizationLayer {
  name: 'normalize_input';
  epsilon: number;
  movingMean: number[];
  movingVariance: number[];
}

/**
 * An inference-mode BatchNormalization layer (no γ, β) that computes `n` exactly: moving mean =
 * mean, moving variance = std² − ε, so that √(variance + ε) = std; ε is a millionth of the
 * smallest variance, far below the default 1e-3 that would shrink the inputs. The statistics
 * are per channel (the last axis of `dataShape`); one channel of flat data (MNIST's [784]) is
 * repeated over every feature. A bad count or value is a one-line SHAPE_MISMATCH/INVALID_OPTION.
 */
export function normalizationLayer(n: InputNormalization, dataShape: readonly number[]): NormalizationLayer {
  const width = dataShape[dataShape.length - 1]!;
  const channels = n.mean.length;
  if (n.std.length !== channels || (channels !== width && channels !== 1)) {
    throw new FblError('SHAPE_MISMATCH', `export: input normalisation has ${channels} means and ${n.std.length} stds for data of shape [${dataShape}] (needs 1 or ${width} of each)`);
  }
  if (!n.mean.every(Number.isFinite) || !n.std.every((s) => Number.isFinite(s) && s > 0)) {
    throw new FblError('INVALID_OPTION', `export: input normalisation needs finite means and positive stds, got mean [${n.mean}] std [${n.std}]`);
  }
  const epsilon = Math.min(...n.std.map((s) => s * s)) * 1e-6;
  const perFeature = (v: readonly number[]) => Array.from({ length: width }, (_, i) => v[channels === 1 ? 0 : i]!);
  return { name: 'normalize_input', epsilon, movingMean: perFeature(n.mean), movingVariance: perFeature(n.std.map((s) => s * s - epsilon)) };
}
