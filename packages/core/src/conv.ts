import * as tf from '@tensorflow/tfjs-core';
import { WINOGRAD_FILTER_GRAD, winogradFilterGradFits } from '@feedback-lab/wasm-gemm';
import { registerHeapKernel, runAliasKernel } from './kernel-alias';
import { consumeGrad, passGrad, releaseSaved, sharingSaves } from './tape-memory';

/**
 * 2-D convolution (NHWC, filter [kh, kw, cin, cout]) whose gradients are forward convolutions.
 *
 * The wasm backend has no `Conv2DBackpropFilter` kernel, so the stock filter gradient throws
 * there, and its `Conv2DBackpropInput` is a plain loop. `FblConv2D` runs the backend's own
 * Conv2D forward; its gradient expresses both products as forward `conv2d`s, which wasm runs
 * through XNNPACK (see docs/tfjs-facts.md, "Convolution and pooling gradients": 30 ms instead of 852 ms per CNN step
 * with a cpu bridge):
 * - ∂L/∂W: a stride-1 conv over x with channels and batch swapped, whose "filter" is dy
 *   dilated by the forward stride: dW[a,b,ci,co] = Σ_{n,i,j} x[n, s·i+a−pt, s·j+b−pl, ci]·dy[n,i,j,co].
 * - ∂L/∂x for stride 1: dy convolved with the spatially flipped, in/out-swapped filter
 *   ("full" padding minus the forward padding). Strided convs fall back to Conv2DBackpropInput.
 * The stock Conv2D gradient is left alone.
 */
const KERNEL = 'FblConv2D';

export type Padding = 'same' | 'valid';

interface ConvAttrs {
  strides: [number, number];
  pad: Padding;
}

tf.registerGradient({
  kernelName: KERNEL,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => convGrads(dy, saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, saved[1]!.shape, attrs),
});

/**
 * The same convolution whose input gradient goes through a third operand `f` (shaped like the
 * filter) instead of the filter: ∂L/∂x = conv2dᵀ(dy, f), ∂L/∂W as usual. Feedback alignment's
 * backward pass for a conv block (and sign-symmetry's, with f = sign(W)), so those rules train
 * conv nets on one forward tape like BP, keeping one activation per block.
 */
const FEEDBACK_KERNEL = 'FblConv2DFeedback';

tf.registerGradient({
  kernelName: FEEDBACK_KERNEL,
  inputsToSave: ['x', 'f'],
  gradFunc: (dy, saved, attrs) => ({
    ...convGrads(dy, saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, saved[1]!.shape, attrs),
    f: () => tf.zerosLike(saved[1]!), // fixed feedback: never trained
  }),
});

/** The same with the feedback made when the gradient needs it (attribute `feedback`), disposed after use. */
const LAZY_FEEDBACK_KERNEL = 'FblConv2DLazyFeedback';

tf.registerGradient({
  kernelName: LAZY_FEEDBACK_KERNEL,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const { feedback, filterShape } = attrs as unknown as { feedback: () => tf.Tensor4D; filterShape: number[] };
    return convGrads(dy, saved[0] as tf.Tensor4D, feedback, filterShape, attrs);
  },
});

/**
 * ∂L/∂x through `back` (the filter, the feedback in its place, or a function making that
 * feedback when the closure runs, disposed right after use) and ∂L/∂filter.
 */
function convGrads(dy: tf.Tensor | tf.Tensor[], x: tf.Tensor4D, back: tf.Tensor4D | (() => tf.Tensor4D), filterShape: number[], attrs: unknown) {
  consumeGrad(dy);
  const { strides, pad } = attrs as ConvAttrs;
  const g = dy as tf.Tensor4D;
  return {
    x: () => {
      const f = typeof back === 'function' ? back() : back;
      const dx = inputGrad(x.shape, f, g, strides, pad);
      if (f !== back) f.dispose();
      return passGrad(dx);
    },
    filter: () => {
      const dw = filterGrad(x, filterShape, g, strides, pad);
      releaseSaved(x); // the last closure that needs x
      return dw;
    },
  };
}

function padInfo(xShape: number[], wShape: number[], strides: [number, number], pad: Padding) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], wShape as [number, number, number, number], strides, 1, pad,
  ).padInfo;
}

function filterGrad(x: tf.Tensor4D, wShape: number[], dy: tf.Tensor4D, strides: [number, number], pad: Padding): tf.Tensor4D {
  const [kh, kw, cin, cout] = wShape as [number, number, number, number];
  const [, h, w] = x.shape;
  const [, ho, wo] = dy.shape;
  const p = padInfo(x.shape, wShape, strides, pad);
  // wasm-gemm's Winograd kernel where it fits (stride 1, 3×3 or 5×5, channels multiples of 4):
  // no transposes, 2.25–2.78× fewer multiply-adds
  const attrs = { filterShape: wShape as [number, number, number, number], padTop: p.top, padLeft: p.left };
  if (strides[0] === 1 && strides[1] === 1 && tf.getBackend() === 'wasm' && winogradFilterGradFits(x.shape, dy.shape, attrs)) {
    return tf.engine().runKernel(WINOGRAD_FILTER_GRAD, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  // Pad only as far as the last filter tap reaches; extra rows/cols (valid, uneven stride) are sliced off.
  const bottom = Math.max(0, kh - (h + p.top - (ho - 1) * strides[0]));
  const right = Math.max(0, kw - (w + p.left - (wo - 1) * strides[1]));
  const xt = tf.transpose(x, [3, 1, 2, 0]); // [cin, h, w, n]
  const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [ho, wo, n, cout]
  const out = tf.conv2d(xt, dyt, 1, [[0, 0], [p.top, bottom], [p.left, right], [0, 0]], 'NHWC', strides);
  const cut = out.shape[1] === kh && out.shape[2] === kw ? out : tf.slice(out, [0, 0, 0, 0], [cin, kh, kw, cout]);
  return tf.transpose(cut, [1, 2, 0, 3]);
}

function inputGrad(xShape: number[], filter: tf.Tensor4D, dy: tf.Tensor4D, strides: [number, number], pad: Padding): tf.Tensor4D {
  if (strides[0] !== 1 || strides[1] !== 1) {
    return tf.conv2dTranspose(dy, filter, xShape as [number, number, number, number], strides, pad);
  }
  const [kh, kw] = filter.shape;
  const p = padInfo(xShape, filter.shape, strides, pad);
  const flipped = flipFilter(filter); // [kh, kw, cout, cin]
  return tf.conv2d(dy, flipped, 1, [[0, 0], [kh - 1 - p.top, kh - 1 - p.bottom], [kw - 1 - p.left, kw - 1 - p.right], [0, 0]]);
}

/**
 * The filter turned for the input gradient: flipped in space, in and out channels swapped. On
 * wasm one pass in JavaScript (its Reverse kernel alone was 2 % of a cifar-conv BP step).
 */
const FLIP_KERNEL = 'FblFlipFilter';

const filterDims = (shapes: number[][]) => shapes[0] as [number, number, number, number];

registerHeapKernel(FLIP_KERNEL, ['x'], (shapes) => {
  const [kh, kw, ci, co] = filterDims(shapes);
  return [kh, kw, co, ci];
}, ([w], f, shapes) => {
  const [kh, kw, ci, co] = filterDims(shapes);
  const src = w!;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const from = (a * kw + b) * ci * co;
      const to = ((kh - 1 - a) * kw + (kw - 1 - b)) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) f[to + o * ci + i] = src[from + i * co + o]!;
    }
  }
});

function flipFilter(filter: tf.Tensor4D): tf.Tensor4D {
  if (tf.getBackend() === 'wasm') return tf.engine().runKernel(FLIP_KERNEL, { x: filter } as unknown as tf.NamedTensorMap, {}) as tf.Tensor4D;
  return tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
}

/**
 * conv2d(x, filter) with the fast, wasm-safe gradients described above.
 *
 * @example
 * const y = conv2d(tf.zeros([8, 28, 28, 1]), tf.zeros([5, 5, 1, 20]), 1, 'valid'); // [8, 24, 24, 20]
 */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, pad: Padding): tf.Tensor4D {
  return sharingSaves(() => runAliasKernel(KERNEL, 'Conv2D', { x, filter }, {
    strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
  }) as tf.Tensor4D);
}

/**
 * conv2d(x, filter) whose gradient with respect to x goes through `feedback` (same shape as the
 * filter) in place of the filter; the filter's gradient is the usual one. `feedback` may be a
 * function that makes it when the gradient runs (disposed after use).
 */
export function conv2dWithFeedback(
  x: tf.Tensor4D, filter: tf.Tensor4D, feedback: tf.Tensor4D | (() => tf.Tensor4D), stride: number, pad: Padding,
): tf.Tensor4D {
  const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
  if (typeof feedback === 'function') {
    return sharingSaves(() => runAliasKernel(LAZY_FEEDBACK_KERNEL, 'Conv2D', { x, filter }, { ...attrs, feedback, filterShape: filter.shape }) as tf.Tensor4D);
  }
  return sharingSaves(() => runAliasKernel(FEEDBACK_KERNEL, 'Conv2D', { x, filter, f: feedback }, attrs) as tf.Tensor4D);
}
