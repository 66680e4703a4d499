import * as tf from '@tensorflow/tfjs-core';
import { maxPoolGradInHeap } from '@feedback-lab/wasm-gemm';
import { FblError } from './errors';
import { registerHeapKernel, runAliasKernel } from './kernel-alias';
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
 * pass over the windows that sends each output's gradient to the first cell equal to its
 * maximum, as TensorFlow's MaxPoolGrad does, by wasm-gemm's SIMD kernel where it is installed
 * (four channels a vector; cifar-conv's first pooling gradient 13.7 → 3.2 ms a BP step) and the
 * loop below otherwise. Other backends get the stock kernel.
 */
const MAX_KERNEL = 'FblMaxPool';
const MAX_GRAD_KERNEL = 'FblMaxPoolGrad';

interface PoolAttrs {
  filterSize: [number, number];
  strides: [number, number];
  pad: Padding;
}

registerHeapKernel(MAX_GRAD_KERNEL, ['x', 'y', 'dy'], ([x]) => x!, ([x, y, dy], dx, [xShape], a) => {
  const p = a as unknown as PoolAttrs;
  const info = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], p.filterSize, p.strides, 1, p.pad);
  const shape = { batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, channels: info.inChannels, outH: info.outHeight, outW: info.outWidth,
    strideH: info.strideHeight, strideW: info.strideWidth, filterH: info.filterHeight, filterW: info.filterWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left };
  if (!maxPoolGradInHeap(tf.backend(), shape, x!.byteOffset, y!.byteOffset, dy!.byteOffset, dx.byteOffset)) maxPoolGrad(x!, y!, dy!, info, dx);
}, true);

/**
 * dL/dx of max pooling: each output's gradient to the first cell (row-major) of its window that
 * equals the pooled maximum y. Searching for a known value is 2× faster than finding the maximum
 * again (its branches are predictable; measured on cifar-conv's [64, 32, 32, 32] 3/2 pooling).
 * A window whose maximum is NaN matches no cell and passes no gradient.
 */
function maxPoolGrad(x: Float32Array, y: Float32Array, dy: Float32Array, p: tf.backend_util.Conv2DInfo, dx: Float32Array): void {
  // The loops of forEachWindow, written out: through its callback this kernel took 16.2 ms
  // instead of 13.9 on cifar-conv's first pooling (two threads, the rest of the step alike).
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = p;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = p;
  const { top, left } = p.padInfo;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      const rStart = Math.max(i * sh - top, 0);
      const rEnd = Math.min(i * sh - top + fh, h);
      for (let j = 0; j < wo; j++) {
        const cStart = Math.max(j * sw - left, 0);
        const cEnd = Math.min(j * sw - left + fw, w);
        const out = ((b * ho + i) * wo + j) * c;
        for (let ch = 0; ch < c; ch++) {
          const m = y[out + ch]!;
          let at = -1;
          find: for (let r = rStart; r < rEnd; r++) {
            for (let col = cStart, k = ((b * h + r) * w + cStart) * c + ch; col < cEnd; col++, k += c) {
              if (x[k] === m) {
                at = k;
                break find;
              }
            }
          }
          if (at >= 0) dx[at] = dx[at]! + dy[out + ch]!;
        }
      }
    }
  }
}

/**
 * Calls `visit` for every output window: its batch index, the offset of its output cell
 * (channel 0), and the rows and columns of the input it covers (padding left out).
 */
function forEachWindow(
  p: tf.backend_util.Conv2DInfo,
  visit: (b: number, out: number, rStart: number, rEnd: number, cStart: number, cEnd: number) => void,
): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = p;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = p;
  const { top, left } = p.padInfo;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      const rStart = Math.max(i * sh - top, 0);
      const rEnd = Math.min(i * sh - top + fh, h);
      for (let j = 0; j < wo; j++) {
        visit(b, ((b * ho + i) * wo + j) * c, rStart, rEnd, Math.max(j * sw - left, 0), Math.min(j * sw - left + fw, w));
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
          ? tf.engine().runKernel(MAX_GRAD_KERNEL, { dy, x, y } as unknown as tf.NamedTensorMap, poolAttrs) as tf.Tensor
          : tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y } as unknown as tf.NamedTensorMap, poolAttrs) as tf.Tensor;
        releaseSaved(x, y);
        return passGrad(dx);
      },
    };
  },
});

/**
 * Average pooling with the gradient of what its forward computes.
 *
 * tfjs's AvgPool (every backend) divides each window by the number of cells inside the input,
 * as TensorFlow does, so 'same' windows that hang over the edge average fewer cells; but its
 * AvgPoolGrad (cpu and wasm alike) spreads dy / (window area) over every window. At those edge
 * windows the stock gradient is too small (a 3×3 window with 4 cells inside gets 4/9 of its
 * true gradient; checked against finite differences). `FblAvgPool` keeps the stock forward and
 * divides by the real count: on wasm in one JavaScript pass written straight into the heap (the
 * stock kernel was 7 % of a cifar-conv BP step), elsewhere by rescaling dy before the stock
 * kernel. It saves nothing for the backward pass: the input's shape is an attribute.
 */
const AVG_KERNEL = 'FblAvgPool';
const AVG_GRAD_KERNEL = 'FblAvgPoolGrad';

interface AvgAttrs extends PoolAttrs {
  inShape: [number, number, number, number];
}

const poolInfo = (a: AvgAttrs) => tf.backend_util.computePool2DInfo(a.inShape, a.filterSize, a.strides, 1, a.pad);

registerHeapKernel(AVG_GRAD_KERNEL, ['dy'], (_, a) => [...(a as unknown as AvgAttrs).inShape], ([dy], dx, _, a) => {
  avgPoolGrad(dy!, poolInfo(a as unknown as AvgAttrs), dx);
}, true);

/** dL/dx of average pooling: each output's gradient spread evenly over its window's cells inside the input. */
function avgPoolGrad(dy: Float32Array, p: tf.backend_util.Conv2DInfo, dx: Float32Array): void {
  const { inHeight: h, inWidth: w, inChannels: c } = p;
  forEachWindow(p, (b, o, rStart, rEnd, cStart, cEnd) => {
    const inv = 1 / ((rEnd - rStart) * (cEnd - cStart));
    for (let r = rStart; r < rEnd; r++) {
      for (let col = cStart; col < cEnd; col++) {
        const base = ((b * h + r) * w + col) * c;
        for (let ch = 0; ch < c; ch++) dx[base + ch] = dx[base + ch]! + dy[o + ch]! * inv;
      }
    }
  });
}

/** fh·fw / (cells of each output window inside the input), [1, ho, wo, 1]: what turns the stock gradient into the true one. */
function edgeScale(p: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { outHeight: ho, outWidth: wo, inChannels: c, filterHeight: fh, filterWidth: fw } = p;
  const scale = new Float32Array(ho * wo);
  forEachWindow({ ...p, batchSize: 1 }, (_b, out, rStart, rEnd, cStart, cEnd) => {
    scale[out / c] = (fh * fw) / ((rEnd - rStart) * (cEnd - cStart));
  });
  return tf.tensor4d(scale, [1, ho, wo, 1]);
}

tf.registerGradient({
  kernelName: AVG_KERNEL,
  gradFunc: (dy, _saved, attrs) => {
    consumeGrad(dy);
    const a = attrs as unknown as AvgAttrs;
    const g = dy as tf.Tensor4D;
    return {
      x: () => {
        if (tf.getBackend() === 'wasm') return passGrad(tf.engine().runKernel(AVG_GRAD_KERNEL, { dy: g } as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor4D);
        const p = poolInfo(a);
        const poolAttrs = { filterSize: a.filterSize, strides: a.strides, pad: a.pad, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
        const dx = tf.tidy(() => tf.engine().runKernel('AvgPoolGrad', { dy: tf.mul(g, edgeScale(p)), input: tf.zeros(a.inShape) } as unknown as tf.NamedTensorMap, poolAttrs) as tf.Tensor4D);
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
 * Max or average pooling over NHWC input, with the gradients above: max pooling's right on all-
 * negative windows, average pooling's right at 'same' edge windows.
 *
 * @example
 * const y = pool2d(tf.zeros([8, 24, 24, 20]), { type: 'max', size: 2 }); // [8, 12, 12, 20]
 */
export function pool2d(x: tf.Tensor4D, o: PoolOptions): tf.Tensor4D {
  const stride = o.stride ?? o.size;
  const pad = o.padding ?? 'valid';
  if (o.type === 'avg') {
    return runAliasKernel(AVG_KERNEL, 'AvgPool', { x }, {
      filterSize: [o.size, o.size], strides: [stride, stride], pad, dimRoundingMode: undefined, inShape: x.shape,
    }) as tf.Tensor4D;
  }
  if (o.type !== 'max') throw new FblError('INVALID_OPTION', `unknown pool type "${String(o.type)}" (expected max or avg)`);
  return runAliasKernel(MAX_KERNEL, 'MaxPool', { x }, {
    filterSize: [o.size, o.size], strides: [stride, stride], pad, dimRoundingMode: undefined,
  }) as tf.Tensor4D;
}

/** Output spatial size of a conv or pool along one axis (tfjs/TensorFlow rounding). */
export function outSize(n: number, k: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - k) / stride) + 1;
}
