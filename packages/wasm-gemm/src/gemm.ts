import type * as tf from '@tensorflow/tfjs-core';
import { KERNELS, MR } from './kernels.generated';

/** Which kernel runs: fused multiply-add (relaxed SIMD) or separate multiply and add. */
export type GemmVariant = 'relaxed' | 'simd';

/** What this package needs of tfjs-backend-wasm's backend object (not in its typings). */
export interface WasmBackendLike {
  wasm: {
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

interface Exports {
  gemm(M: number, N: number, K: number, a: number, aps: number, b: number, c: number, crs: number, ccs: number, s: number): void;
  pack(K: number, N: number, w: number, x: number, xks: number, xjs: number, dst: number): void;
}

const bytesOf = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

let relaxedOk: boolean | undefined;
/** Whether this engine runs relaxed SIMD (Node ≥ 22, Chrome ≥ 114; Node 20 with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  relaxedOk ??= WebAssembly.validate(bytesOf(KERNELS.relaxed));
  return relaxedOk;
}

/** An operand in the heap: byte address and byte strides of its rows and columns. */
interface Operand {
  ptr: number;
  rs: number;
  cs: number;
}

/**
 * The kernel bound to one wasm backend's memory. `multiply` computes C = op(A)·op(B) for float32
 * matrices already in the heap, writing C (row-major) in place. Each call packs A into panels of
 * MR rows and B into panels of 8 columns (k-major, zero-padded) in a work area of the same heap,
 * reading either operand transposed or not through strides (a vector copy or a 4×4 register
 * transpose per step); the packing is 1/(2·M) + 1/(2·N) of the product's work, and it makes the
 * kernel's loads sequential: at batch 64 it is cheaper than any cache of packed weights, since
 * every weight changes after each step anyway.
 */
export class WasmGemm {
  readonly variant: GemmVariant;
  private readonly k: Exports;
  private buf = 0;
  private bufBytes = 0;

  constructor(private readonly backend: WasmBackendLike, variant: GemmVariant = relaxedSimdSupported() ? 'relaxed' : 'simd') {
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error('wasm-gemm: the backend exposes no WebAssembly.Memory');
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const name = `${variant}${shared ? '-shared' : ''}` as keyof typeof KERNELS;
    const mod = new WebAssembly.Module(bytesOf(KERNELS[name]));
    this.k = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as Exports;
    this.variant = variant;
  }

  /** Byte address of a tensor's data in the heap. */
  address(t: tf.TensorInfo): number {
    const d = this.backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error('wasm-gemm: tensor is not in this backend');
    return d.memoryOffset;
  }

  /** A work area of at least `bytes` (the first 32·MR bytes are the kernel's tile scratch). */
  private scratch(bytes: number): number {
    const need = bytes + 32 * MR + 16;
    if (need > this.bufBytes) {
      if (this.buf) this.backend.wasm._free(this.buf);
      this.bufBytes = Math.max(need, 2 * this.bufBytes);
      this.buf = this.backend.wasm._malloc(this.bufBytes);
      if (!this.buf) throw new Error(`wasm-gemm: out of wasm memory (${this.bufBytes} bytes)`);
    }
    return (this.buf + 15) & ~15;
  }

  /** Frees the work area (the kernel stays usable; it allocates again when needed). */
  dispose(): void {
    if (this.buf) this.backend.wasm._free(this.buf);
    this.buf = 0;
    this.bufBytes = 0;
  }

  /** C[M×N] at `c` (row-major) = op(A)·op(B), A and B at byte addresses `a` and `b`, row-major before op. */
  multiply(M: number, N: number, K: number, a: number, transposeA: boolean, b: number, transposeB: boolean, c: number): void {
    const A: Operand = transposeA ? { ptr: a, rs: 4, cs: 4 * M } : { ptr: a, rs: 4 * K, cs: 4 };
    const B: Operand = transposeB ? { ptr: b, rs: 4, cs: 4 * K } : { ptr: b, rs: 4 * N, cs: 4 };
    this.run(M, N, K, A, B, { ptr: c, rs: 4 * N, cs: 4 });
  }

  private run(M: number, N: number, K: number, A: Operand, B: Operand, C: Operand): void {
    const padded = (n: number, w: number) => Math.ceil(n / w) * w;
    const aBytes = 4 * K * padded(M, MR);
    const s = this.scratch(aBytes + 4 * K * padded(N, 8));
    const pa = s + 32 * MR;
    const pb = pa + aBytes;
    this.k.pack(K, M, MR, A.ptr, A.cs, A.rs, pa);
    this.k.pack(K, N, 8, B.ptr, B.rs, B.cs, pb);
    this.k.gemm(M, N, K, pa, 4 * MR * K, pb, C.ptr, C.rs, C.cs, s);
  }
}
