import * as tf from '@tensorflow/tfjs-core';
import { activationGradInHeap } from '@feedback-lab/wasm-gemm';
import { registerHeapKernel } from './kernel-alias';

// An activation's gradient from its output, dy·f'(y), as one kernel: one output and no
// temporaries (the stock ops hold one or two activation-sized tensors more while the backward
// pass crosses the activation), on wasm (wasm-gemm's SIMD pass where installed, a JavaScript loop
// over the heap without) and cpu. The memory model counts a block's backward pass the same for
// every activation and on both backends. Each step is rounded to float32 as the stock ops round it.

type Loop = (dy: Float32Array, y: Float32Array, dx: Float32Array) => void;
export type GradActivation = 'relu' | 'tanh' | 'sigmoid';

const f = Math.fround;
const LOOPS: Record<GradActivation, Loop> = {
  // dy·step(y): step is 1 where y > 0, NaN where y is, else 0 (tfjs's Step)
  relu: (dy, y, dx) => {
    for (let i = 0; i < dx.length; i++) dx[i] = dy[i]! * (y[i]! > 0 ? 1 : y[i]! !== y[i]! ? NaN : 0);
  },
  // dy·(1 − y²): Square, Sub, Multiply
  tanh: (dy, y, dx) => {
    for (let i = 0; i < dx.length; i++) dx[i] = f(dy[i]! * f(1 - f(y[i]! * y[i]!)));
  },
  // dy·(y·(1 − y)): Sub, Multiply, Multiply
  sigmoid: (dy, y, dx) => {
    for (let i = 0; i < dx.length; i++) dx[i] = f(dy[i]! * f(y[i]! * f(1 - y[i]!)));
  },
};

/** The cpu backend's storage and calls (not in tfjs-core's typings), as its own kernels use them. */
interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

const kernelName = (a: GradActivation) => `Fbl${a[0]!.toUpperCase()}${a.slice(1)}Grad`;

for (const a of Object.keys(LOOPS) as GradActivation[]) {
  const loop = LOOPS[a];
  registerHeapKernel(kernelName(a), ['dy', 'y'], ([dy]) => dy!, ([dy, y], dx) => {
    if (a === 'sigmoid' || !activationGradInHeap(tf.backend(), a, dy!.byteOffset, y!.byteOffset, dx.byteOffset, dx.length)) loop(dy!, y!, dx);
  });
  tf.registerKernel({
    kernelName: kernelName(a),
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      const cpu = backend as unknown as CpuBackend;
      const { dy, y } = inputs as unknown as { dy: tf.TensorInfo; y: tf.TensorInfo };
      const dx = new Float32Array(tf.util.sizeFromShape(dy.shape));
      loop(cpu.data.get(dy.dataId).values, cpu.data.get(y.dataId).values, dx);
      return cpu.makeTensorInfo([...dy.shape], 'float32', dx);
    },
  });
}

/**
 * dy·f'(y) for activation `a` from its output y as one kernel where the backend has it (wasm,
 * cpu) and both are float32 of one shape; null elsewhere (webgl, webgpu: the caller's ops run).
 */
export function activationGrad(a: GradActivation, dy: tf.Tensor, y: tf.Tensor): tf.Tensor | null {
  const name = kernelName(a);
  if (!tf.getKernel(name, tf.getBackend()) || dy.dtype !== 'float32' || y.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, y.shape)) return null;
  return tf.engine().runKernel(name, { dy, y } as unknown as tf.NamedTensorMap, {}) as tf.Tensor;
}
