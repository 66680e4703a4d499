import * as tf from '@tensorflow/tfjs-core';
import { FblError } from './errors';
import { runAliasKernel } from './kernel-alias';
import { consumeGrad, passGrad, releaseSaved } from './tape-memory';
import type { Padding } from './conv';

/**
 * Max pooling with a gradient that is right, and fast, on every backend.
 *
 * The wasm `MaxPoolGrad` starts its running maximum at `numeric_limits<float>::min()`, the
 * smallest *positive* float, so in a window whose values are all ≤ 0 the gradient goes to the
 * window's first slot or is dropped (docs/tfjs-facts.md, "Convolution and pooling gradients"); it
 * is also slow (14 % of a cifar-conv BP step, more than the whole forward pass of its first
 * conv). On wasm, `FblMaxPool`'s gradient is therefore the `FblMaxPoolGrad` kernel below: one
 * pass over the windows that sends each output's gradient to the first maximum of its window,
 * as TensorFlow's MaxPoolGrad does. Other backends get the stock kernel.
 */
const MAX_KERNEL = 'FblMaxPool';
const MAX_GRAD_KERNEL = 'FblMaxPoolGrad';

interface PoolAttrs {
  filterSize: [number, number];
  strides: [number, number];
  pad: Padding;
}

/** The wasm backend's own calls for tensors that live in its heap. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

tf.registerKernel({
  kernelName: MAX_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: kb, attrs }) => {
    const backend = kb as unknown as HeapBackend;
    const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    const a = attrs as unknown as PoolAttrs;
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad);
    // allocate first: the heap may grow, which detaches views taken before
    const out = backend.makeOutput([...x.shape], 'float32');
    const dx = backend.typedArrayFromHeap(out);
    dx.fill(0);
    maxPoolGrad(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(dy), info, dx);
    return out;
  },
});

/** dL/dx of max pooling: each output's gradient to the first maximum (row-major) of its window. */
function maxPoolGrad(x: Float32Array, dy: Float32Array, p: tf.backend_util.Conv2DInfo, dx: Float32Array): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = p;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = p;
  const { top, left } = p.padInfo;
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      const r0 = i * sh - top;
      for (let j = 0; j < wo; j++) {
        const c0 = j * sw - left;
        const rStart = Math.max(r0, 0);
        const rEnd = Math.min(r0 + fh, h);
        const cStart = Math.max(c0, 0);
        const cEnd = Math.min(c0 + fw, w);
        // the window's first position seeds the maximum, so no comparison with a sentinel
        const first = ((b * h + rStart) * w + cStart) * c;
        for (let ch = 0; ch < c; ch++) {
          best[ch] = x[first + ch]!;
          at[ch] = first + ch;
        }
        for (let r = rStart; r < rEnd; r++) {
          for (let col = r === rStart ? cStart + 1 : cStart; col < cEnd; col++) {
            const base = ((b * h + r) * w + col) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch]!;
              if (v > best[ch]!) {
                best[ch] = v;
                at[ch] = base + ch;
              }
            }
          }
        }
        const out = ((b * ho + i) * wo + j) * c;
        for (let ch = 0; ch < c; ch++) {
          const k = at[ch]!;
          dx[k] = dx[k]! + dy[out + ch]!;
        }
      }
    }
  }
}

tf.registerGradient({
  kernelName: MAX_KERNEL,
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    consumeGrad(dy);
    const [x, y] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as PoolAttrs;
    return {
      x: () => {
        const poolAttrs = { filterSize: a.filterSize, strides: a.strides, pad: a.pad, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
        const dx = tf.getBackend() === 'wasm'
          ? tf.engine().runKernel(MAX_GRAD_KERNEL, { dy, x } as unknown as tf.NamedTensorMap, poolAttrs) as tf.Tensor
          : tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y } as unknown as tf.NamedTensorMap, poolAttrs) as tf.Tensor;
        releaseSaved(x, y);
        return passGrad(dx);
      },
    };
  },
});

export type PoolType = 'max' | 'avg';

export interface PoolOptions {
  type: PoolType;
  /** Window size (square). */
  size: number;
  /** Default: the window size (non-overlapping windows). */
  stride?: number;
  padding?: Padding;
}

/**
 * Max or average pooling over NHWC input. Average pooling uses tfjs's own op, whose gradient is
 * correct on wasm; max pooling uses the fixed gradient above.
 *
 * @example
 * const y = pool2d(tf.zeros([8, 24, 24, 20]), { type: 'max', size: 2 }); // [8, 12, 12, 20]
 */
export function pool2d(x: tf.Tensor4D, o: PoolOptions): tf.Tensor4D {
  const stride = o.stride ?? o.size;
  const pad = o.padding ?? 'valid';
  if (o.type === 'avg') return tf.avgPool(x, o.size, stride, pad);
  if (o.type !== 'max') throw new FblError('INVALID_OPTION', `unknown pool type "${String(o.type)}" (expected max or avg)`);
  return runAliasKernel(MAX_KERNEL, 'MaxPool', { x }, {
    filterSize: [o.size, o.size], strides: [stride, stride], pad, dimRoundingMode: undefined,
  }) as tf.Tensor4D;
}

/** Output spatial size of a conv or pool along one axis (tfjs/TensorFlow rounding). */
export function outSize(n: number, k: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - k) / stride) + 1;
}
