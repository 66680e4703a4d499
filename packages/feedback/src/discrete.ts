import { FblError, type FeedbackGenerator } from '@feedback-lab/core';
import { elementwise, type ScaleOptions } from './fill';

/**
 * Sign feedback: entries ±1/√shape[0] with equal probability (times `scale`), so the variance
 * matches a unit-variance gaussian scaled by 1/√fan. Sign-symmetric variants of FA use the
 * same idea (Liao, Leibo & Poggio 2016; Moskovitz et al. 2018).
 *
 * @example
 * const B = sign().generate([10, 800], 7);
 */
export function sign(o: ScaleOptions = {}): FeedbackGenerator {
  return elementwise('sign', o.scale, (rng, shape) => {
    const v = 1 / Math.sqrt(shape[0]!);
    return () => (rng.next() < 0.5 ? -v : v);
  });
}

/**
 * Ternary/sparse feedback: each entry is non-zero with probability `density` (default 1/3),
 * then ±v with v = 1/√(density·shape[0]) so the variance is 1/shape[0] whatever the density.
 * Sparse DFA feedback still trains (Crafton et al. 2019, "Direct feedback alignment with
 * sparse connections").
 *
 * @example
 * const B = sparse({ density: 0.1 }).generate([10, 800], 7);
 */
export function sparse(o: ScaleOptions & { density?: number } = {}): FeedbackGenerator {
  const density = o.density ?? 1 / 3;
  if (!(density > 0 && density <= 1)) {
    throw new FblError('INVALID_OPTION', `sparse: density must be in (0, 1], got ${o.density}`);
  }
  return elementwise(density === 1 / 3 ? 'ternary' : `sparse(${density})`, o.scale, (rng, shape) => {
    const v = 1 / Math.sqrt(density * shape[0]!);
    return () => {
      if (rng.next() >= density) return 0;
      return rng.next() < 0.5 ? -v : v;
    };
  });
}
