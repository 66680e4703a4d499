import type * as tf from '@tensorflow/tfjs-core';
import type { Model } from './types';

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };

/** Bytes a list of tensors holds on the backend. */
export function countBytes(tensors: readonly tf.Tensor[]): number {
  return tensors.reduce((sum, t) => sum + t.size * (BYTES[t.dtype] ?? 4), 0);
}

/** Bytes of a model's trainable parameters. */
export function paramBytes(model: Model): number {
  return countBytes(model.blocks.flatMap((b) => b.params));
}
