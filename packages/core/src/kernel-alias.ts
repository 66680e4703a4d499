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
    // looked up at every call, so the alias follows a kernel installed or removed later (wasm-gemm)
    tf.registerKernel({ kernelName: alias, backendName, kernelFunc: (args) => tf.getKernel(base, backendName)!.kernelFunc(args), setupFunc: k.setupFunc });
  }
  return tf.engine().runKernel(alias, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** The wasm backend's own calls for tensors in its heap (not in tfjs-core's typings). */
interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/**
 * Registers a float32 wasm kernel written in JavaScript that reads its inputs and writes its
 * output straight in the wasm heap. The output is allocated before any view is taken (an
 * allocation may grow the heap, which detaches earlier views) and is zero-filled when `zeroed`.
 * `run` gets the input views in the order of `inputNames`, the output view, the input shapes and
 * the attributes.
 */
export function registerHeapKernel(
  kernelName: string,
  inputNames: readonly string[],
  outShape: (shapes: number[][], attrs: Record<string, unknown>) => number[],
  run: (views: Float32Array[], out: Float32Array, shapes: number[][], attrs: Record<string, unknown>) => void,
  zeroed = false,
): void {
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const heap = backend as unknown as HeapBackend;
      const infos = inputNames.map((n) => (inputs as Record<string, tf.TensorInfo>)[n]!);
      const shapes = infos.map((t) => [...t.shape]);
      const a = (attrs ?? {}) as Record<string, unknown>;
      const out = heap.makeOutput(outShape(shapes, a), 'float32');
      const view = heap.typedArrayFromHeap(out);
      if (zeroed) view.fill(0);
      run(infos.map((t) => heap.typedArrayFromHeap(t)), view, shapes, a);
      return out;
    },
  });
}
