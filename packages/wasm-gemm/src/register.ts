import * as tf from '@tensorflow/tfjs-core';
import { relaxedSimdSupported, WasmGemm, type GemmVariant, type WasmBackendLike } from './gemm';

/** Set on our BatchMatMul kernel function: transposed operands cost nothing extra there. */
export const TRANSPOSES_IN_PLACE = 'transposesInPlace';

let original: tf.KernelConfig | undefined;
let variant: GemmVariant | undefined;
const bound = new WeakMap<object, WasmGemm>();

function gemmFor(backend: object): WasmGemm {
  let g = bound.get(backend);
  if (!g || g.variant !== variant) {
    g?.dispose();
    g = new WasmGemm(backend as WasmBackendLike, variant);
    bound.set(backend, g);
  }
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

/**
 * Replaces tfjs-backend-wasm's `BatchMatMul` kernel with this package's for 2-D float32
 * products (others go on to the stock kernel), and returns the variant in use. `relaxed`
 * (fused multiply-add) is chosen where the engine validates relaxed SIMD, else `simd`.
 * Call after the wasm backend is registered; calling again switches the variant.
 */
export function installWasmGemm(opts: { variant?: GemmVariant } = {}): GemmVariant {
  const v = opts.variant ?? (relaxedSimdSupported() ? 'relaxed' : 'simd');
  if (v === 'relaxed' && !relaxedSimdSupported()) throw new Error('wasm-gemm: this engine has no relaxed SIMD (Node ≥ 22 or Chrome ≥ 114)');
  const current = tf.getKernel('BatchMatMul', 'wasm');
  if (!current) throw new Error('wasm-gemm: no wasm BatchMatMul kernel to replace (import @tensorflow/tfjs-backend-wasm first)');
  variant = v;
  if (current.kernelFunc === kernelFunc) return v;
  original = current;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc, setupFunc: current.setupFunc });
  return v;
}

/** Puts tfjs-backend-wasm's own `BatchMatMul` back (no-op when it is in place). */
export function uninstallWasmGemm(): void {
  if (tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc !== kernelFunc || !original) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(original);
  variant = undefined;
}

/** The variant running the wasm backend's `BatchMatMul`, or undefined when it is tfjs's own. */
export function wasmGemmVariant(): GemmVariant | undefined {
  return tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc === kernelFunc ? variant : undefined;
}
