import * as tf from '@tensorflow/tfjs-core';
import { runAliasKernel } from './kernel-alias';

/**
 * Matrix product whose gradient transposes explicitly.
 *
 * The stock BatchMatMul gradient calls matMul with transposeA/transposeB. On the wasm backend
 * XNNPACK only takes the untransposed case; transposed products fall back to a naive loop
 * (~1 GFLOP/s instead of ~18; see shared/docs/tfjs-wasm-facts.md). `FblMatMul` runs the
 * backend's own BatchMatMul forward, and its gradient materialises Wᵀ and xᵀ so every product
 * stays on the fast path. The gradients are lazy per input, so the first layer never computes
 * the unused ∂L/∂x. The stock gradient is left alone: code outside feedback-lab is unaffected.
 */
const KERNEL = 'FblMatMul';

tf.registerGradient({
  kernelName: KERNEL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor2D, tf.Tensor2D];
    const g = dy as tf.Tensor2D;
    return {
      a: () => tf.matMul(g, tf.transpose(b)),
      b: () => tf.matMul(tf.transpose(a), g),
    };
  },
});

/** a·b for 2-D tensors, with the fast explicit-transpose gradient. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return runAliasKernel(KERNEL, 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false }) as tf.Tensor2D;
}

/** x·W + b, the dense layer's affine map. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(matMul(x, w), b);
}
