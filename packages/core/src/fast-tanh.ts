import * as tf from '@tensorflow/tfjs-core';
import { unaryInHeap, wasmGemmVariant } from '@feedback-lab/wasm-gemm';
import { activationGrad } from './activation-grads';
import { registerHeapKernel } from './kernel-alias';
import { fromOutput } from './tape-memory';

const TANH_KERNEL = 'FblTanh';

registerHeapKernel(TANH_KERNEL, ['x'], ([x]) => x!, ([x], y) => {
  if (!unaryInHeap(tf.backend(), 'tanh', x!.byteOffset, y.byteOffset, x!.length)) for (let i = 0; i < x!.length; i++) y[i] = Math.tanh(x![i]!);
});
/** Whether the one-pass forward runs: wasm with wasm-gemm installed (its SIMD fit), float32. */
const onePass = (a: tf.Tensor) => tf.getBackend() === 'wasm' && wasmGemmVariant() !== undefined && a.dtype === 'float32';
const run = (name: string, inputs: Record<string, tf.Tensor>) => tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, {}) as tf.Tensor;

/**
 * tanh with the gradient dy·(1 − y²) taken from the output alone. Where wasm-gemm is installed
 * (wasm's default) the forward is one SIMD pass of its module (`FblTanh`, a rational fit within
 * 3.4e-7 of tanh), elsewhere 2·σ(2a) − 1: the wasm backend's own Tanh kernel is a scalar
 * std::tanh loop (~0.9 ms for 64×800), its Sigmoid XNNPACK's vectorised kernel, so the four ops
 * take ~0.17 ms and the one pass ~0.05 ms. 2σ(2a) − 1 differs from tanh by at most ~2e-7
 * (float32 rounding near ±1, but up to 0.7 % relative near 0). The gradient is one kernel on
 * wasm and cpu (activation-grads.ts). The stock Tanh kernel and gradient are untouched; this is
 * a separate op with its own gradient, and its intermediate tensors never reach the tape (see
 * tape-memory.ts).
 */
export const fastTanh: (a: tf.Tensor) => tf.Tensor = fromOutput(
  (a) => (onePass(a) ? run(TANH_KERNEL, { x: a }) : tf.sub(tf.mul(tf.sigmoid(tf.mul(a, 2)), 2), 1)),
  (y) => tf.sub(1, tf.square(y)),
  (dy, y) => activationGrad('tanh', dy, y),
);
