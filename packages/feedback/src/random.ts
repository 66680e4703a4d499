import type { FeedbackGenerator } from '@feedback-lab/core';
import { elementwise, fans, type ScaleOptions } from './fill';

/**
 * Zero-mean gaussian entries with standard deviation `std` (default 1).
 *
 * @example
 * const B = gaussian({ std: 0.05 }).generate([10, 800], 7);
 */
export function gaussian(o: ScaleOptions & { std?: number } = {}): FeedbackGenerator {
  const std = o.std ?? 1;
  return elementwise('gaussian', (o.scale ?? 1) * std, (rng) => () => rng.normal());
}

/**
 * Uniform entries in [−limit, limit] (default limit 1), as in Lillicrap et al. 2016.
 *
 * @example
 * const B = uniform({ limit: 0.5 }).generate([800, 800], 7);
 */
export function uniform(o: ScaleOptions & { limit?: number } = {}): FeedbackGenerator {
  const limit = o.limit ?? 1;
  return elementwise('uniform', (o.scale ?? 1) * limit, (rng) => () => rng.next() * 2 - 1);
}

/**
 * He-normal: gaussian with variance 2/shape[0]. For DFA's B of shape [n_out, n_i] that is
 * 2/n_out, the scaling of the MEM-DFA authors' code (Chu et al. 2020, "DFAMEM").
 *
 * @example
 * const B = heNormal().generate([10, 800], 7); // std √(2/10)
 */
export function heNormal(o: ScaleOptions = {}): FeedbackGenerator {
  return elementwise('he-normal', o.scale, (rng, shape) => {
    const std = Math.sqrt(2 / shape[0]!);
    return () => rng.normal() * std;
  });
}

/**
 * Xavier/Glorot-uniform: uniform in ±√(6 / (fan_a + fan_b)) with the two fans taken from the
 * last two dimensions (receptive field folded in for conv-shaped B), as for weights
 * (Glorot & Bengio 2010). Symmetric in the fans, so it fits FA's W-shaped B and DFA's B alike.
 *
 * @example
 * const B = xavier().generate([784, 800], 7);
 */
export function xavier(o: ScaleOptions = {}): FeedbackGenerator {
  return elementwise('xavier', o.scale, (rng, shape) => {
    const { fanIn, fanOut } = fans(shape);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return () => (rng.next() * 2 - 1) * limit;
  });
}

/**
 * Gaussian with variance 1/fan-out, the fan-out taken as the last dimension times the receptive
 * field (the leading dimensions of a conv-shaped B). It keeps the norm of the signal it carries:
 * for DFA's B_i of shape [n_out, n_i], E‖B_i·e‖² = ‖e‖², the size of backprop's gradient at a
 * block with variance-preserving weights; for FA's B of W's shape [n_in, n_out] it is the
 * reference FA's N(0, 1/fan-out) (Lillicrap et al. 2016 draw B at the scale of W).
 *
 * @example
 * const B = fanOut().generate([10, 800], 7); // std √(1/800)
 */
export function fanOut(o: ScaleOptions = {}): FeedbackGenerator {
  return elementwise('fan-out', o.scale, (rng, shape) => {
    const std = Math.sqrt(1 / fans(shape).fanOut);
    return () => rng.normal() * std;
  });
}
