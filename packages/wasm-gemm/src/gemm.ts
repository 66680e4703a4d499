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
  gemm(M: number, N: number, K: number, a: number, aps: number, b: number, c: number, crs: number, ccs: number, s: number, acc: number): void;
  pack(K: number, N: number, w: number, x: number, xks: number, xjs: number, dst: number): void;
  packconv(
    x: number, H: number, W: number, C: number, KW: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number,
    Ho: number, Wo: number, M: number, m0: number, mc: number, t0: number, t1: number, dst: number, zero: number,
  ): void;
}

/**
 * A 2-D convolution's shape (NHWC input, filter [kh, kw, inC, outC], output [batch, outH, outW,
 * outC]), as tfjs's `computeConv2DInfo` gives it.
 */
export interface ConvShape {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kh: number;
  kw: number;
  outC: number;
  outH: number;
  outW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

/** Target depth of a k block of a convolution (whole taps): a B panel of it stays in L1. */
const CONV_KC = 512;
/** Target size of a packed block of a convolution's rows (one k block): it stays in L2. */
const CONV_A_BYTES = 256 * 1024;

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
  private readonly memory: WebAssembly.Memory;
  private buf = 0;
  private bufBytes = 0;

  constructor(private readonly backend: WasmBackendLike, variant: GemmVariant = relaxedSimdSupported() ? 'relaxed' : 'simd') {
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error('wasm-gemm: the backend exposes no WebAssembly.Memory');
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const name = `${variant}${shared ? '-shared' : ''}` as keyof typeof KERNELS;
    const mod = new WebAssembly.Module(bytesOf(KERNELS[name]));
    this.k = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as Exports;
    this.memory = memory;
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
    this.k.gemm(M, N, K, pa, 4 * MR * K, pb, C.ptr, C.rs, C.cs, s, 0);
  }

  /**
   * y = conv2d(x, filter) for tensors in the heap at byte addresses `x` (NHWC), `filter`
   * ([kh, kw, inC, outC], which is the product's B as it lies: K = kh·kw·inC rows, outC
   * columns) and `y` (NHWC output, the product's C, written in place), as a product with the
   * input's im2col matrix that is never stored whole: blocks of its rows (output pixels) and of
   * whole taps are packed straight from x (`packconv`) into a work area of about 256 KiB, and
   * k blocks after the first add to C. The filter is packed once per call, a k block at a time.
   */
  convolve(g: ConvShape, x: number, filter: number, y: number): void {
    if (MR !== 4) throw new Error('wasm-gemm: packconv makes panels of 4 rows');
    const padded = (n: number, w: number) => Math.ceil(n / w) * w;
    const M = g.batch * g.outH * g.outW;
    const N = g.outC;
    const C = g.inC;
    const taps = g.kh * g.kw;
    const K = taps * C;
    const tapsPerBlock = Math.max(1, Math.min(taps, Math.floor(CONV_KC / C)));
    const kMax = tapsPerBlock * C;
    const mBlock = Math.max(MR, Math.min(padded(M, MR), Math.floor(CONV_A_BYTES / (4 * kMax) / MR) * MR));
    const zeroBytes = padded(4 * C, 16);
    const bBytes = 4 * kMax * padded(N, 8);
    const s = this.scratch(zeroBytes + bBytes + 4 * kMax * mBlock);
    const zero = s + 32 * MR;
    const pb = zero + zeroBytes;
    const pa = pb + bBytes;
    new Float32Array(this.memory.buffer, zero, zeroBytes / 4).fill(0);
    // k blocks outside, so only one block of the filter is packed at a time: the work area
    // stays a few hundred KiB whatever the batch (the filter gradient's "filter" is dy)
    for (let t0 = 0; t0 < taps; t0 += tapsPerBlock) {
      const t1 = Math.min(taps, t0 + tapsPerBlock);
      const kb = (t1 - t0) * C;
      this.k.pack(kb, N, 8, filter + 4 * t0 * C * N, 4 * N, 4, pb);
      for (let m0 = 0; m0 < M; m0 += mBlock) {
        const rows = Math.min(mBlock, M - m0);
        this.k.packconv(x, g.inH, g.inW, C, g.kw, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft,
          g.outH, g.outW, M, m0, padded(rows, MR), t0, t1, pa, zero);
        this.k.gemm(rows, N, kb, pa, 4 * MR * kb, pb, y + 4 * m0 * N, 4 * N, 4, s, t0 > 0 ? 1 : 0);
      }
    }
  }
}
