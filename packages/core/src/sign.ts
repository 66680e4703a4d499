import * as tf from '@tensorflow/tfjs-core';
import { unaryInHeap } from '@feedback-lab/wasm-gemm';
import { registerHeapKernel } from './kernel-alias';

const SIGN_KERNEL = 'FblSign';

registerHeapKernel(SIGN_KERNEL, ['x'], ([x]) => x!, ([x], y) => {
  if (unaryInHeap(tf.backend(), 'sign', x!.byteOffset, y.byteOffset, y.length)) return;
  for (let i = 0; i < y.length; i++) {
    const v = x![i]!;
    y[i] = v > 0 ? 1 : v < 0 ? -1 : v !== v ? NaN : 0;
  }
});
tf.registerGradient({ kernelName: SIGN_KERNEL, inputsToSave: [], gradFunc: (dy) => ({ x: () => tf.zerosLike(dy as tf.Tensor) }) });

/**
 * sign(x) elementwise: −1, 0 or 1 (NaN stays NaN), with a zero gradient.
 *
 * On wasm, one kernel of core's own (`FblSign`: wasm-gemm's SIMD pass where installed, a
 * JavaScript loop over the heap without), because the stock `Sign` kernel there is slow and wrong
 * for small values: on an 800×800 matrix it took 3.7–4.6 ms, and it returns 0 for 1e-30, 2.5e-40
 * and NaN where the cpu backend returns 1, 1 and 0 (docs/tfjs-facts.md). It makes one x-sized
 * tensor and nothing else (step(x) − step(−x), used before, held three at its peak: sign-symmetry
 * makes one sign(W) per block every step). Other backends use `tf.sign`.
 *
 * @example
 * sign(tf.tensor([-2, 0, 1e-30])); // [-1, 0, 1]
 */
export function sign<T extends tf.Tensor>(x: T): T {
  if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32') return tf.sign(x);
  return tf.engine().runKernel(SIGN_KERNEL, { x } as unknown as tf.NamedTensorMap, {}) as T;
}
