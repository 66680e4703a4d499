import * as tf from '@tensorflow/tfjs-core';
import { FblError, createRng, type FeedbackGenerator } from '@feedback-lab/core';
import { checkScale, checkShape, numel, type ScaleOptions } from './fill';

/**
 * Orthogonal feedback: the QR factor of a gaussian matrix (Saxe et al. 2014's orthogonal
 * init). For a 2-D shape [r, c] the rows are orthonormal when r ≤ c, otherwise the columns;
 * higher-rank shapes are treated as [shape[0], rest]. Orthonormal rows make DFA's projection
 * B_i e preserve the error's norm.
 *
 * @example
 * const B = orthogonal().generate([10, 800], 7); // B·Bᵀ = I₁₀
 */
export function orthogonal(o: ScaleOptions = {}): FeedbackGenerator {
  const s = checkScale('orthogonal', o.scale);
  return {
    name: 'orthogonal',
    generate(shape, seed) {
      checkShape('orthogonal', shape);
      const rows = shape[0]!;
      const cols = numel(shape) / rows;
      const k = Math.min(rows, cols);
      const len = Math.max(rows, cols);
      // k orthonormal vectors of length `len`, by modified Gram-Schmidt in float64 (a QR).
      const rng = createRng(seed);
      const q = Array.from({ length: k }, () => Float64Array.from({ length: len }, () => rng.normal()));
      for (let i = 0; i < k; i++) {
        const v = q[i]!;
        for (let j = 0; j < i; j++) {
          const u = q[j]!;
          let dot = 0;
          for (let t = 0; t < len; t++) dot += v[t]! * u[t]!;
          for (let t = 0; t < len; t++) v[t]! -= dot * u[t]!;
        }
        let norm = 0;
        for (let t = 0; t < len; t++) norm += v[t]! * v[t]!;
        norm = Math.sqrt(norm);
        if (!(norm > 1e-12)) throw new FblError('INVALID_OPTION', `orthogonal: degenerate draw for shape [${shape}]`);
        for (let t = 0; t < len; t++) v[t]! /= norm;
      }
      const values = new Float32Array(rows * cols);
      for (let i = 0; i < k; i++) {
        for (let t = 0; t < len; t++) {
          // rows ≤ cols: vector i is row i; otherwise it is column i.
          const idx = rows <= cols ? i * cols + t : t * cols + i;
          values[idx] = q[i]![t]! * s;
        }
      }
      return tf.tensor(values, shape as number[], 'float32');
    },
  };
}
