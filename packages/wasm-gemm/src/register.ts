import * as tf from '@tensorflow/tfjs-core';
import { relaxedSimdSupported, WasmGemm, winogradFits, type ConvShape, type GemmVariant, type PoolShape, type WasmBackendLike } from './gemm';

/** Set on our BatchMatMul kernel function: transposed operands cost nothing extra there. */
export const TRANSPOSES_IN_PLACE = 'transposesInPlace';

let original: tf.KernelConfig | undefined;
let originalConv: tf.KernelConfig | undefined;
let variant: GemmVariant | undefined;
let winograd = true;
/**
 * Each backend's kernels, one per variant used: switching variants back and forth (benchmarks)
 * does not compile the module again, whose fresh code runs on V8's baseline tier for a while.
 */
const bound = new WeakMap<object, Map<GemmVariant | undefined, WasmGemm>>();

function gemmFor(backend: object): WasmGemm {
  let byVariant = bound.get(backend);
  if (!byVariant) bound.set(backend, (byVariant = new Map()));
  let g = byVariant.get(variant);
  if (!g) byVariant.set(variant, (g = new WasmGemm(backend as WasmBackendLike, variant)));
  return g;
}

function kernelFunc(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  // 2-D float32 products only; batches and other dtypes stay with tfjs's kernel
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== 'float32' || b.dtype !== 'float32') return original!.kernelFunc(args) as tf.TensorInfo;
  const [M, K] = transposeA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [K2, N] = transposeB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (K !== K2) throw new Error(`MatMul: inner dimensions differ (${K} and ${K2}) for shapes [${a.shape}] and [${b.shape}]`);
  const g = gemmFor(args.backend);
  const out = (args.backend as unknown as WasmBackendLike).makeOutput([M, N], 'float32');
  if (K === 0) (args.backend as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array }).typedArrayFromHeap(out).fill(0);
  else if (M * N > 0) g.multiply(M, N, K, g.address(a), transposeA, g.address(b), transposeB, g.address(out));
  return out;
}
Object.defineProperty(kernelFunc, TRANSPOSES_IN_PLACE, { value: true });

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Output channels below which XNNPACK's Conv2D stays: with fewer than the kernel's 8 columns a
 * tile is part empty, and packing the input costs more than the product (long-conv's 5-channel
 * layers ran at 0.27–0.53× XNNPACK's speed; 20 channels and more at 1.1–1.6×,
 * scripts/bench-conv.ts).
 */
export const CONV_MIN_OUT_CHANNELS = 8;

/**
 * XNNPACK's convolution keeps buffers in the wasm heap that tensor counts do not see: an
 * indirection buffer (a pointer per output pixel and tap) and the filter packed to 8 columns,
 * which for core's filter gradient is dy (batch-sized). Past this size a narrow convolution runs
 * here anyway, whose work area is bounded: at large batches those buffers reached a gigabyte,
 * out of the memory budget's sight (a long-conv run at batch 15 823 died out of bounds).
 */
export const CONV_MAX_XNNPACK_HIDDEN_BYTES = 64 * 1024 * 1024;

function xnnpackHiddenBytes(info: tf.backend_util.Conv2DInfo): number {
  const taps = info.filterHeight * info.filterWidth;
  return 4 * info.batchSize * info.outHeight * info.outWidth * taps + 4 * taps * info.inChannels * Math.ceil(info.outChannels / 8) * 8;
}

/** `Conv2D` on wasm: float32 NHWC convolutions through `WasmGemm.convolve`, others to tfjs's kernel. */
function convKernelFunc(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as ConvAttrs;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || (dataFormat ?? 'NHWC') !== 'NHWC' || x.shape.length !== 4 || filter.shape.length !== 4
  ) {
    return originalConv!.kernelFunc(args) as tf.TensorInfo;
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    strides, dilations ?? 1, pad, dimRoundingMode, false, 'channelsLast');
  if (info.outChannels < CONV_MIN_OUT_CHANNELS && xnnpackHiddenBytes(info) <= CONV_MAX_XNNPACK_HIDDEN_BYTES) return originalConv!.kernelFunc(args) as tf.TensorInfo;
  const backend = args.backend as unknown as WasmBackendLike & { typedArrayFromHeap(t: tf.TensorInfo): Float32Array };
  const out = backend.makeOutput(info.outShape, 'float32');
  if (info.inChannels * info.filterHeight * info.filterWidth === 0) backend.typedArrayFromHeap(out).fill(0);
  else if (info.batchSize * info.outHeight * info.outWidth * info.outChannels > 0) {
    const g = gemmFor(args.backend);
    g.convolve({
      batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels, kh: info.filterHeight, kw: info.filterWidth,
      outC: info.outChannels, outH: info.outHeight, outW: info.outWidth, strideH: info.strideHeight, strideW: info.strideWidth,
      dilationH: info.dilationHeight, dilationW: info.dilationWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left,
    }, g.address(x), g.address(filter), g.address(out), { winograd });
  }
  return out;
}

/**
 * A convolution's filter gradient by Winograd's F(2×2, r×r), registered for wasm while
 * wasm-gemm is installed with Winograd on: inputs `x` (NHWC) and `dy`, attributes `filterShape`
 * ([r, r, inC, outC]) and the forward convolution's `padTop` and `padLeft`, stride 1. Only for
 * what `winogradFilterGradFits` accepts; core asks before it runs it.
 */
export const WINOGRAD_FILTER_GRAD = 'FblWinogradFilterGrad';

interface FilterGradAttrs {
  filterShape: [number, number, number, number];
  padTop: number;
  padLeft: number;
}

const gradShape = (x: readonly number[], dy: readonly number[], a: FilterGradAttrs): ConvShape => ({
  batch: x[0]!, inH: x[1]!, inW: x[2]!, inC: x[3]!, kh: a.filterShape[0], kw: a.filterShape[1], outC: a.filterShape[3],
  outH: dy[1]!, outW: dy[2]!, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: a.padTop, padLeft: a.padLeft,
});

/**
 * Whether WINOGRAD_FILTER_GRAD runs now (wasm-gemm installed with Winograd on) and fits this
 * stride-1 convolution's filter gradient (float32 x [n, h, w, inC], dy [n, ho, wo, outC]).
 */
export function winogradFilterGradFits(xShape: readonly number[], dyShape: readonly number[], attrs: FilterGradAttrs): boolean {
  return tf.getKernel(WINOGRAD_FILTER_GRAD, 'wasm') !== undefined && xShape.length === 4 && dyShape.length === 4
    && dyShape[0] === xShape[0] && dyShape[3] === attrs.filterShape[3] && xShape[3] === attrs.filterShape[2]
    && winogradFits(gradShape(xShape, dyShape, attrs));
}

function filterGradKernelFunc(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as FilterGradAttrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !winogradFilterGradFits(x.shape, dy.shape, attrs)) {
    throw new Error(`${WINOGRAD_FILTER_GRAD}: no Winograd filter gradient for x [${x.shape}], dy [${dy.shape}], filter [${attrs.filterShape}] (ask winogradFilterGradFits first)`);
  }
  const g = gemmFor(args.backend);
  const out = (args.backend as unknown as WasmBackendLike).makeOutput(attrs.filterShape, 'float32');
  g.filterGrad(gradShape(x.shape, dy.shape, attrs), g.address(x), g.address(dy), g.address(out));
  return out;
}

/**
 * Max pooling's gradient by this package's SIMD kernel for float32 tensors in `backend`'s heap at
 * byte addresses x, y, dy and dx (dx zeroed): false, and nothing done, when wasm-gemm is not
 * installed. Core's `FblMaxPoolGrad` runs it (its own loop otherwise).
 */
export function maxPoolGradInHeap(backend: object, p: PoolShape, x: number, y: number, dy: number, dx: number): boolean {
  if (wasmGemmVariant() === undefined) return false;
  gemmFor(backend).k.maxpoolgrad(x, y, dy, dx, p.batch, p.inH, p.inW, p.channels, p.outH, p.outW, p.strideH, p.strideW, p.filterH, p.filterW, p.padTop, p.padLeft);
  return true;
}

/**
 * y = tanh(x) (the module's SIMD rational fit, within 3.4e-7 of tanh; scripts/activation-wat.mjs)
 * or y = sign(x) (1, −1, 0, NaN where x is NaN) for n ≥ 4 floats at byte addresses of `backend`'s
 * heap that do not overlap, where wasm-gemm is installed: returns false otherwise (and for n < 4).
 * Core's `FblTanh` and `FblSign` run it.
 */
export function unaryInHeap(backend: object, op: 'tanh' | 'sign', x: number, y: number, n: number): boolean {
  if (wasmGemmVariant() === undefined || n < 4) return false;
  gemmFor(backend).k[op](x, y, n);
  return true;
}

/**
 * An activation's gradient from its output for n ≥ 4 floats in the heap, one SIMD pass: `tanh`
 * dx = dy·(1 − y²) (rounded as tfjs's Square, Sub and Multiply), `relu` dx = dy·step(y) (tfjs's
 * Step and Multiply, bit for bit); false as `unaryInHeap`.
 */
export function activationGradInHeap(backend: object, activation: 'tanh' | 'relu', dy: number, y: number, dx: number, n: number): boolean {
  if (wasmGemmVariant() === undefined || n < 4) return false;
  gemmFor(backend).k[activation === 'tanh' ? 'tanhgrad' : 'relugrad'](dy, y, dx, n);
  return true;
}

/**
 * Replaces tfjs-backend-wasm's `BatchMatMul` kernel with this package's for 2-D float32
 * products, and its `Conv2D` with this package's im2col-free convolution for float32 NHWC
 * (others go on to the stock kernels), and returns the variant in use. `relaxed`
 * (fused multiply-add) is chosen where the engine validates relaxed SIMD, else `simd`.
 * Call after the wasm backend is registered; calling again switches the variant.
 */
export function installWasmGemm(opts: { variant?: GemmVariant; winograd?: boolean } = {}): GemmVariant {
  const v = opts.variant ?? (relaxedSimdSupported() ? 'relaxed' : 'simd');
  if (v === 'relaxed' && !relaxedSimdSupported()) throw new Error('wasm-gemm: this engine has no relaxed SIMD (Node ≥ 22 or Chrome ≥ 114)');
  const current = tf.getKernel('BatchMatMul', 'wasm');
  if (!current) throw new Error('wasm-gemm: no wasm BatchMatMul kernel to replace (import @tensorflow/tfjs-backend-wasm first)');
  variant = v;
  winograd = opts.winograd ?? true;
  if (current.kernelFunc !== kernelFunc) {
    original = current;
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc, setupFunc: current.setupFunc });
    const conv = tf.getKernel('Conv2D', 'wasm');
    if (conv && conv.kernelFunc !== convKernelFunc) {
      originalConv = conv;
      tf.unregisterKernel('Conv2D', 'wasm');
      tf.registerKernel({ kernelName: 'Conv2D', backendName: 'wasm', kernelFunc: convKernelFunc, setupFunc: conv.setupFunc });
    }
  }
  const hasGrad = tf.getKernel(WINOGRAD_FILTER_GRAD, 'wasm') !== undefined;
  if (winograd && !hasGrad) tf.registerKernel({ kernelName: WINOGRAD_FILTER_GRAD, backendName: 'wasm', kernelFunc: filterGradKernelFunc });
  if (!winograd && hasGrad) tf.unregisterKernel(WINOGRAD_FILTER_GRAD, 'wasm');
  return v;
}

/** Puts tfjs-backend-wasm's own `BatchMatMul` and `Conv2D` back (no-op when they are in place). */
export function uninstallWasmGemm(): void {
  if (tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc !== kernelFunc || !original) return;
  if (tf.getKernel(WINOGRAD_FILTER_GRAD, 'wasm')) tf.unregisterKernel(WINOGRAD_FILTER_GRAD, 'wasm');
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(original);
  if (originalConv && tf.getKernel('Conv2D', 'wasm')?.kernelFunc === convKernelFunc) {
    tf.unregisterKernel('Conv2D', 'wasm');
    tf.registerKernel(originalConv);
  }
  variant = undefined;
}

/** The variant running the wasm backend's `BatchMatMul`, or undefined when it is tfjs's own. */
export function wasmGemmVariant(): GemmVariant | undefined {
  return tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc === kernelFunc ? variant : undefined;
}
