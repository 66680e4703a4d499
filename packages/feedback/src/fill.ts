import * as tf from '@tensorflow/tfjs-core';
import { FblError, createRng, type FeedbackGenerator, type Rng } from '@feedback-lab/core';

/** Options every generator takes. */
export interface ScaleOptions {
  /** Multiplies every entry (default 1). */
  scale?: number;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * A weight's fans as its initialiser takes them: the last two dimensions, each times the
 * receptive field (the leading dimensions of a conv kernel [kh, kw, in, out]).
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.length > 2 ? shape.slice(0, -2).reduce((a, b) => a * b, 1) : 1;
  return { fanIn: (shape.length > 1 ? shape[shape.length - 2]! : 1) * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

export function checkShape(name: string, shape: readonly number[]): void {
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new FblError('INVALID_OPTION', `${name}: feedback shape must be positive integers, got [${shape}]`);
  }
}

export function checkScale(name: string, scale: number | undefined): number {
  const s = scale ?? 1;
  if (!Number.isFinite(s)) throw new FblError('INVALID_OPTION', `${name}: scale must be a finite number, got ${scale}`);
  return s;
}

/**
 * Builds a generator whose entries are drawn one by one in JS from a seeded RNG: the same
 * (shape, seed) gives the same bits on every backend, so a matrix can be regenerated instead
 * of stored. `draw` gets the shape to derive fan-based scales.
 */
export function elementwise(
  name: string,
  scale: number | undefined,
  draw: (rng: Rng, shape: readonly number[]) => () => number,
): FeedbackGenerator {
  const s = checkScale(name, scale);
  return {
    name,
    generate(shape, seed) {
      checkShape(name, shape);
      const n = numel(shape);
      const values = new Float32Array(n);
      const next = draw(createRng(seed), shape);
      for (let i = 0; i < n; i++) values[i] = next() * s;
      return tf.tensor(values, shape as number[], 'float32');
    },
  };
}
