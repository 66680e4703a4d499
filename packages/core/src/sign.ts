import * as tf from '@tensorflow/tfjs-core';

/**
 * sign(x) elementwise: −1, 0 or 1 (NaN stays NaN), with a zero gradient.
 *
 * On wasm, as step(x) − step(−x) (tfjs's `step`: 1 where x > 0, else 0), because the stock
 * `Sign` kernel there is slow and wrong for small values: on an 800×800 matrix it took 3.7–4.6 ms
 * against 0.8–1.0 ms for these four kernels (sign-symmetry makes one sign(W) per block every
 * step), and it returns 0 for 1e-30, 2.5e-40 and NaN where the cpu backend returns 1, 1 and 0
 * (docs/tfjs-facts.md). Other backends use `tf.sign`.
 *
 * @example
 * sign(tf.tensor([-2, 0, 1e-30])); // [-1, 0, 1]
 */
export function sign<T extends tf.Tensor>(x: T): T {
  if (tf.getBackend() !== 'wasm') return tf.sign(x);
  // −x is freed before the difference is taken: at most three x-sized tensors at once
  return tf.tidy(() => {
    const pos = tf.step(x, 0);
    const neg = tf.tidy(() => tf.step(tf.neg(x), 0));
    return tf.sub(pos, neg);
  });
}
