import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `base`'s kernel of the current backend under the name `alias`, registering the alias on
 * first use. A kernel with its own name can carry its own gradient (registered with
 * `tf.registerGradient({ kernelName: alias, ... })`), so feedback-lab can fix or speed up a
 * gradient without touching the stock one that other tfjs code relies on.
 */
export function runAliasKernel(
  alias: string,
  base: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): tf.Tensor {
  const backendName = tf.getBackend();
  if (!tf.getKernel(alias, backendName)) {
    const k = tf.getKernel(base, backendName);
    if (!k) throw new Error(`backend ${backendName} has no ${base} kernel`);
    tf.registerKernel({ kernelName: alias, backendName, kernelFunc: k.kernelFunc, setupFunc: k.setupFunc });
  }
  return tf.engine().runKernel(alias, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** The wasm backend's own calls for tensors in its heap, for kernels written in JavaScript. */
export interface HeapBackend {
  /** A new output tensor in the heap (it may grow the heap: take views after it). */
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  /** A view of a tensor's bytes in the heap, valid until the heap next grows. */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}
