import * as tf from '@tensorflow/tfjs-core';
import { FblError, deriveSeed, type FeedbackGenerator } from '@feedback-lab/core';
import { checkShape } from './fill';
import { heNormal } from './random';

export interface SharedSliceOptions {
  /** Generator of the shared matrix's columns (default he-normal). */
  base?: FeedbackGenerator;
  /** Seed of the one shared matrix; every call slices the same matrix whatever seed it gets. */
  seed?: number;
}

/**
 * One large feedback matrix shared by all layers, each layer taking the first n_i columns of
 * it, as TinyDFA does (Han & Yoo 2019, "Efficient convolutional neural network training with
 * direct feedback alignment"). Column c depends only on (seed, c, rows), so the shared matrix
 * never has to exist in full and any slice can be regenerated. 2-D shapes [rows, n_i] only.
 * The per-call seed is ignored on purpose: sharing is the point.
 *
 * @example
 * const g = sharedSlice({ seed: 1 });
 * const B1 = g.generate([10, 800], 11), B2 = g.generate([10, 400], 22); // B2 = B1[:, :400]
 */
export function sharedSlice(o: SharedSliceOptions = {}): FeedbackGenerator {
  const base = o.base ?? heNormal();
  const seed = o.seed ?? 0;
  return {
    name: `shared-slice(${base.name})`,
    generate(shape) {
      checkShape('shared-slice', shape);
      if (shape.length !== 2) throw new FblError('INVALID_OPTION', `shared-slice: feedback shape must be 2-D [rows, cols], got [${shape}]`);
      const [rows, cols] = shape as [number, number];
      return tf.tidy(() => {
        const columns = Array.from({ length: cols }, (_, c) => base.generate([rows, 1], deriveSeed(seed, 'column', c)));
        return tf.concat(columns, 1);
      });
    },
  };
}
