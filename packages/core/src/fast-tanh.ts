import * as tf from '@tensorflow/tfjs-core';
import { TANH_GRAD_KERNEL, TANH_KERNEL } from '@feedback-lab/wasm-gemm';
import { fromOutput } from './tape-memory';

const registered = (name: string, x: tf.Tensor) => x.dtype === 'float32' && tf.getKernel(name, tf.getBackend()) !== undefined;

/**
 * tanh with the gradient dy·(1 − y²) taken from the output alone: wasm-gemm's `FblTanh` and
 * `FblTanhGrad` kernels where they are registered (wasm with wasm-gemm installed), else
 * 2·σ(2a) − 1 and three ops.
 *
 * The wasm backend's own Tanh kernel is a scalar std::tanh loop (~0.9 ms for 64×800 on the 2-core
 * CI machine), while its Sigmoid runs XNNPACK's vectorised kernel: the four ops of the fallback
 * take ~0.17 ms, wasm-gemm's single pass ~0.05 ms (docs/wasm-gemm.md). The fallback differs from
 * tanh by at most ~2e-7 (float32 rounding near ±1, but up to 0.7 % relative near 0); wasm-gemm's
 * by at most 3.4e-7. The stock Tanh kernel and gradient are untouched; this is a separate op with
 * its own gradient, and its intermediate tensors never reach the tape (see tape-memory.ts).
 */
export const fastTanh: (a: tf.Tensor) => tf.Tensor = fromOutput(
  (a) => registered(TANH_KERNEL, a)
    ? tf.engine().runKernel(TANH_KERNEL, { x: a } as unknown as tf.NamedTensorMap, {}) as tf.Tensor
    : tf.sub(tf.mul(tf.sigmoid(tf.mul(a, 2)), 2), 1),
  (y) => tf.sub(1, tf.square(y)),
  (dy, y) => registered(TANH_GRAD_KERNEL, y) && dy.dtype === 'float32' && tf.util.arraysEqual(dy.shape, y.shape)
    ? tf.engine().runKernel(TANH_GRAD_KERNEL, { dy, y } as unknown as tf.NamedTensorMap, {}) as tf.Tensor
    : null,
);
