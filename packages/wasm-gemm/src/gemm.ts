import type * as tf from '@tensorflow/tfjs-core';
import { MR } from './kernels.generated';
import { LayoutTuner, type Layout, type LayoutChoice } from './layout';
import { kernelModule, relaxedSimdSupported } from './module';
import { tiles, winogradFits, type ConvShape } from './shapes';
import { canSplit, Team, type KernelCalls, type Work } from './split';

export { relaxedSimdSupported } from './module';
export { winogradFits, WINOGRAD_MIN_CHANNELS, WINOGRAD_SIZES, type ConvShape, type PoolShape } from './shapes';

/** Which kernel runs: fused multiply-add (relaxed SIMD) or separate multiply and add. */
export type GemmVariant = 'relaxed' | 'simd';

/** What this package needs of tfjs-backend-wasm's backend object (not in its typings). */
export interface WasmBackendLike {
  wasm: {
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
    /** The threaded build's pool size (tfjs's `getThreadsCount`). */
    tfjs?: { getThreadsCount?(): number };
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}


/** Target depth of a k block of a convolution (whole taps): a B panel of it stays in L1. */
const CONV_KC = 512;
/** Target size of a packed block of a convolution's rows (one k block): it stays in L2. */
const CONV_A_BYTES = 256 * 1024;
/** Target size of one thread's transformed inputs and products for a block of Winograd tiles (L2). */
const WINOGRAD_BYTES = 384 * 1024;
/** Runs of tiles a Winograd filter gradient sums separately (then in order): the threads' share, fixed so results do not depend on them. */
const WINOGRAD_PARTS = 4;

/** Target size of a block of rows a product reads in place (`runRows`): it stays in L2 while B's panels pass. */
const ROWS_BYTES = 256 * 1024;

/** Products of fewer FLOPs stay on the calling thread: waking a helper costs more than it saves. */
export const SPLIT_FLOPS = 4e6;
/** Tasks per thread a split product is cut into, so a helper that starts late takes fewer. */
const TASKS_PER_THREAD = 4;

let gemmThreads: number | undefined;
/**
 * Threads a WasmGemm on a shared memory splits large products over when its constructor is not
 * told (undefined: the threaded build's pool size). Core's `selectBackend` sets it from
 * `--threads` / FBL_THREADS and keeps XNNPACK's own pool at one thread (see docs/wasm-gemm.md,
 * "Two cores").
 */
export function setGemmThreads(threads: number | undefined): void {
  gemmThreads = threads;
}


/** An operand in the heap: byte address and byte strides of its rows and columns. */
interface Operand {
  ptr: number;
  rs: number;
  cs: number;
}

/** Stops a collected kernel's helper threads (a backend dropped without `dispose`). */
const orphans = new FinalizationRegistry<Team>((team) => team.dispose());

/** Bytes of a thread's tile scratch (the kernel's `s`). */
const TILE = 32 * MR;

/** [start, end) of part p of n items split into `parts` nearly equal contiguous ranges. */
const share = (n: number, parts: number, p: number): [number, number] => [Math.floor((n * p) / parts), Math.floor((n * (p + 1)) / parts)];

/**
 * The kernel bound to one wasm backend's memory. `multiply` computes C = op(A)·op(B) for float32
 * matrices already in the heap, writing C (row-major) in place. The batch-sized operand is packed
 * into k-major panels (MR rows, zero-padded) in a work area of the same heap; a weight is read in
 * place (x·W by whole panels of 8 columns, δ·Wᵀ as (W·δᵀ)ᵀ by rows of W) or packed, whichever
 * runs faster on this machine for the shape (`layouts`, timed on its first calls). Packing goes
 * through strides (a vector copy or a 4×4 register transpose per step).
 *
 * On a shared memory (the threaded build) with `threads` > 1, products of at least SPLIT_FLOPS
 * are split over `threads` − 1 helper threads and the calling thread (see split.ts): column
 * panels or row blocks, a convolution's row blocks. Every element is computed by the same calls
 * as on one thread, so results are bit-identical.
 */
export class WasmGemm {
  readonly variant: GemmVariant;
  /** Threads a large product runs on (1 unless the memory is shared and more were asked for). */
  readonly threads: number;
  /** How products read a weight: in place or packed, per shape (see layout.ts). */
  readonly layouts: LayoutTuner;
  /** The module's exports on this memory, for the calling thread (elementwise kernels call them directly). */
  readonly k: KernelCalls;
  private readonly mod: WebAssembly.Module;
  private readonly memory: WebAssembly.Memory;
  private readonly timeoutMs: number | undefined;
  private team: Team | undefined;
  private buf = 0;
  private bufBytes = 0;

  /**
   * `threads`: the threads to split large products over; by default `setGemmThreads`'s, else the
   * threaded build's pool size, where the memory is shared, else 1. More than 1 needs a shared memory and a thread that
   * may block (not a browser page): elsewhere it is 1.
   */
  constructor(
    private readonly backend: WasmBackendLike,
    variant: GemmVariant = relaxedSimdSupported() ? 'relaxed' : 'simd',
    opts: { threads?: number; timeoutMs?: number; layout?: LayoutChoice } = {},
  ) {
    this.layouts = new LayoutTuner(opts.layout);
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error('wasm-gemm: the backend exposes no WebAssembly.Memory');
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    this.mod = kernelModule(variant, shared);
    this.k = new WebAssembly.Instance(this.mod, { env: { memory } }).exports as unknown as KernelCalls;
    this.memory = memory;
    this.variant = variant;
    const threads = opts.threads ?? (shared ? (gemmThreads ?? backend.wasm.tfjs?.getThreadsCount?.() ?? 1) : 1);
    this.threads = threads > 1 && canSplit(memory) ? Math.floor(threads) : 1;
    this.timeoutMs = opts.timeoutMs;
  }

  /** Why products went back to one thread (a helper that stopped answering), if they did. */
  get notice(): string | undefined {
    return this.team?.notice;
  }

  /** Products (or rounds of one) that helper threads shared since the helpers started. */
  get splits(): number {
    return this.team?.jobs ?? 0;
  }

  /**
   * Starts the helper threads now rather than at the first large product (until they run,
   * products stay on the calling thread) and resolves to the threads that run.
   */
  async start(): Promise<number> {
    return 1 + ((await this.split(Infinity)?.ready()) ?? 0);
  }

  /** Byte address of a tensor's data in the heap. */
  address(t: tf.TensorInfo): number {
    const d = this.backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error('wasm-gemm: tensor is not in this backend');
    return d.memoryOffset;
  }

  /** The helpers for a product of `flops`, or undefined to run it on the calling thread. */
  private split(flops: number): Team | undefined {
    if (this.threads < 2 || flops < SPLIT_FLOPS) return undefined;
    if (!this.team) {
      this.team = new Team(this.mod, this.memory, this.k, this.threads - 1, this.timeoutMs);
      orphans.register(this, this.team, this);
    }
    return this.team.notice ? undefined : this.team;
  }

  /** A 16-byte aligned work area of at least `bytes`. */
  private scratch(bytes: number): number {
    const need = bytes + 16;
    if (need > this.bufBytes) {
      if (this.buf) this.backend.wasm._free(this.buf);
      this.bufBytes = Math.max(need, 2 * this.bufBytes);
      this.buf = this.backend.wasm._malloc(this.bufBytes);
      if (!this.buf) throw new Error(`wasm-gemm: out of wasm memory (${this.bufBytes} bytes)`);
    }
    return (this.buf + 15) & ~15;
  }

  /** Frees the work area and stops the helper threads (the kernel stays usable; both come back when needed). */
  dispose(): void {
    if (this.buf) this.backend.wasm._free(this.buf);
    this.buf = 0;
    this.bufBytes = 0;
    if (this.team) orphans.unregister(this);
    this.team?.dispose();
    this.team = undefined;
  }

  /** C[M×N] at `c` (row-major) = op(A)·op(B), A and B at byte addresses `a` and `b`, row-major before op. */
  multiply(M: number, N: number, K: number, a: number, transposeA: boolean, b: number, transposeB: boolean, c: number): void {
    const A: Operand = transposeA ? { ptr: a, rs: 4, cs: 4 * M } : { ptr: a, rs: 4 * K, cs: 4 };
    const B: Operand = transposeB ? { ptr: b, rs: 4, cs: 4 * K } : { ptr: b, rs: 4 * N, cs: 4 };
    // op(B) = Bᵀ (δ·Wᵀ, a weight read transposed): its columns are B's rows, which no vector
    // load reads 8 at a time. In place, Cᵀ = B·op(A)ᵀ reads B's rows as the left operand and
    // packs only A, when A is the smaller (Cᵀ's tiles are stored a float at a time, which K ≥ M
    // multiply-adds a float outweigh); an untransposed B is read by whole panels of 8 columns
    const rows = transposeB && N >= MR && N >= M && K >= M;
    const go = (layout: Layout) => {
      if (layout === 'in-place' && rows) this.runRows(N, M, K, { ptr: b, rs: 4 * K, cs: 4 }, { ptr: a, rs: A.cs, cs: A.rs }, { ptr: c, rs: 4, cs: 4 * N });
      else this.run(M, N, K, A, B, { ptr: c, rs: 4 * N, cs: 4 }, layout === 'in-place');
    };
    if (rows || (!transposeB && N >= 8)) this.layouts.run(`${M}x${N}x${K}${transposeA ? 'T' : 'N'}${transposeB ? 'T' : 'N'}`, 2 * M * N * K, go);
    else go('packed');
  }

  /** C = A·B, A packed here for all threads, B's column panels split: whole ones read in place where B's columns are contiguous, others packed by their thread. */
  private run(M: number, N: number, K: number, A: Operand, B: Operand, C: Operand, readInPlace: boolean): void {
    const padded = (n: number, w: number) => Math.ceil(n / w) * w;
    const panels = Math.ceil(N / 8);
    const inPlace = readInPlace && B.cs === 4 ? Math.floor(N / 8) : 0;
    const team = panels > 1 ? this.split(2 * M * N * K) : undefined;
    const threads = team ? team.size + 1 : 1;
    const aBytes = 4 * K * padded(M, MR);
    // the threads' tile scratch, the packed A, B's packed panels
    const s = this.scratch(TILE * threads + aBytes + 4 * K * 8 * (panels - inPlace));
    const pa = s + TILE * threads;
    const pb = pa + aBytes - 32 * K * inPlace;
    this.k.pack(K, M, MR, A.ptr, A.cs, A.rs, pa);
    const tasks = team ? Math.min(panels, TASKS_PER_THREAD * threads) : 1;
    const work: Work = (k, own, t) => {
      const [q0, q1] = share(panels, tasks, t); // column panels: in place, then packed
      const q = Math.max(q0, Math.min(q1, inPlace));
      if (q > q0) k.gemmx(M, 8 * (q - q0), K, pa, 4 * MR * K, B.ptr + 32 * q0, C.ptr + 8 * q0 * C.cs, C.rs, C.cs, own(s), 0, 4, 4 * MR, B.rs, 4);
      if (q1 > q) {
        const [j0, j1] = [8 * q, Math.min(N, 8 * q1)];
        k.pack(K, j1 - j0, 8, B.ptr + j0 * B.cs, B.rs, B.cs, pb + 4 * K * j0);
        k.gemm(M, j1 - j0, K, pa, 4 * MR * K, pb + 4 * K * j0, C.ptr + j0 * C.cs, C.rs, C.cs, own(s), 0);
      }
    };
    if (team) team.run(tasks, TILE, work);
    else work(this.k, (x) => x, 0);
  }

  /** C = A·B, B packed here for all threads, A's rows (A.cs = 4) read in place in blocks of ROWS_BYTES split over the threads; the last M mod MR rows packed. */
  private runRows(M: number, N: number, K: number, A: Operand, B: Operand, C: Operand): void {
    const full = M - (M % MR);
    const rows = Math.max(MR, Math.floor(ROWS_BYTES / (4 * K * MR)) * MR);
    const blocks = Math.ceil(full / rows);
    const team = blocks > 1 ? this.split(2 * M * N * K) : undefined;
    const threads = team ? team.size + 1 : 1;
    const bBytes = 4 * K * Math.ceil(N / 8) * 8;
    const s = this.scratch(TILE * threads + bBytes + 4 * K * MR);
    const pb = s + TILE * threads;
    this.k.pack(K, N, 8, B.ptr, B.rs, B.cs, pb);
    const tasks = team ? Math.min(blocks, TASKS_PER_THREAD * threads) : 1;
    const work: Work = (k, own, t) => {
      const [b0, b1] = share(blocks, tasks, t);
      for (let i = b0 * rows; i < Math.min(full, b1 * rows); i += rows) {
        k.gemmx(Math.min(rows, full - i), N, K, A.ptr + i * A.rs, MR * A.rs, pb, C.ptr + i * C.rs, C.rs, C.cs, own(s), 0, A.rs, 4, 32, 4 * K);
      }
    };
    if (team) team.run(tasks, TILE, work);
    else work(this.k, (x) => x, 0);
    if (full < M) {
      const pa = pb + bBytes;
      this.k.pack(K, M - full, MR, A.ptr + full * A.rs, A.cs, A.rs, pa);
      this.k.gemm(M - full, N, K, pa, 4 * MR * K, pb, C.ptr + full * C.rs, C.rs, C.cs, s, 0);
    }
  }

  /**
   * y = conv2d(x, filter) for tensors in the heap at byte addresses `x` (NHWC), `filter`
   * ([kh, kw, inC, outC], which is the product's B as it lies: K = kh·kw·inC rows, outC
   * columns) and `y` (NHWC output, the product's C, written in place), as a product with the
   * input's im2col matrix that is never stored whole: blocks of its rows (output pixels) and of
   * whole taps are packed straight from x (`packconv`) into a work area of about 256 KiB, and
   * k blocks after the first add to C. The filter is packed once per call, a k block at a time.
   * With helper threads, each thread packs and multiplies its own contiguous run of row blocks.
   */
  convolve(g: ConvShape, x: number, filter: number, y: number, opts: { winograd?: boolean } = {}): void {
    if (MR !== 4) throw new Error('wasm-gemm: packconv makes panels of 4 rows');
    if ((opts.winograd ?? true) && winogradFits(g)) return this.winograd(g, x, filter, y);
    const padded = (n: number, w: number) => Math.ceil(n / w) * w;
    const M = g.batch * g.outH * g.outW;
    const N = g.outC;
    const C = g.inC;
    const taps = g.kh * g.kw;
    const K = taps * C;
    const tapsPerBlock = Math.max(1, Math.min(taps, Math.floor(CONV_KC / C)));
    const kMax = tapsPerBlock * C;
    const mBlock = Math.max(MR, Math.min(padded(M, MR), Math.floor(CONV_A_BYTES / (4 * kMax) / MR) * MR));
    const blocks = Math.ceil(M / mBlock);
    const panels = Math.ceil(N / 8);
    const team = Math.max(blocks, panels) > 1 ? this.split(2 * M * N * K) : undefined;
    const threads = team ? team.size + 1 : 1;
    // tasks are runs of row blocks where there are enough, else of column panels (the filter
    // gradient's few rows, the thread's task then packing all of them): each task computes
    // a rectangle of y over all k blocks
    const byRows = blocks >= panels;
    const tasks = team ? (byRows ? Math.min(blocks, TASKS_PER_THREAD * threads) : Math.min(panels, threads)) : 1;
    const zeroBytes = padded(4 * C, 16);
    const bBytes = 4 * kMax * padded(N, 8);
    const aBytes = 4 * kMax * mBlock;
    // zeros, then each thread's own area: tile scratch, a block of the filter, a block of rows
    const own = TILE + bBytes + aBytes;
    const zero = this.scratch(zeroBytes + threads * own);
    new Float32Array(this.memory.buffer, zero, zeroBytes / 4).fill(0);
    const work: Work = (k, mine, t) => {
      const s = mine(zero + zeroBytes);
      const pb = mine(zero + zeroBytes + TILE);
      const pa = mine(zero + zeroBytes + TILE + bBytes);
      const [b0, b1] = byRows ? share(blocks, tasks, t) : [0, blocks];
      const [j0, j1] = (byRows ? [0, panels] : share(panels, tasks, t)).map((q) => Math.min(N, 8 * q)) as [number, number];
      // k blocks outside, so only one block of the filter is packed at a time: the work area
      // stays a few hundred KiB whatever the batch (the filter gradient's "filter" is dy)
      for (let t0 = 0; t0 < taps; t0 += tapsPerBlock) {
        const t1 = Math.min(taps, t0 + tapsPerBlock);
        const kb = (t1 - t0) * C;
        k.pack(kb, j1 - j0, 8, filter + 4 * (t0 * C * N + j0), 4 * N, 4, pb);
        for (let m0 = b0 * mBlock; m0 < Math.min(M, b1 * mBlock); m0 += mBlock) {
          const mc = Math.min(mBlock, M - m0);
          k.packconv(x, g.inH, g.inW, C, g.kw, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft,
            g.outH, g.outW, M, m0, padded(mc, MR), t0, t1, pa, zero);
          k.gemm(mc, j1 - j0, kb, pa, 4 * MR * kb, pb, y + 4 * (m0 * N + j0), 4 * N, 4, s, t0 > 0 ? 1 : 0);
        }
      }
    };
    if (team) team.run(tasks, own, work);
    else work(this.k, (a) => a, 0);
  }

  /**
   * y = conv2d(x, filter) by Winograd's F(2×2, r×r) (`winogradFits(g)`): the filter is
   * transformed once per call (α² = (r + 1)² matrices of C×N, packed as `gemm`'s B), then blocks
   * of output tiles (2×2 pixels) each have their inputs transformed into `gemm`'s A panels, α²
   * products, and their outputs transformed back into y: 2.25× (r = 3) or 2.78× (r = 5) fewer
   * multiply-adds than the direct product, for transforms that cost about α² vector operations
   * per 4 channels of a tile. Helper threads take runs of blocks.
   */
  private winograd(g: ConvShape, x: number, filter: number, y: number): void {
    const { r, a, C, N, tw, thw, T } = tiles(g);
    const tb = Math.max(4, Math.min(Math.ceil(T / 4) * 4, Math.floor(WINOGRAD_BYTES / (a * a * 4 * (C + N)) / 4) * 4));
    const blocks = Math.ceil(T / tb);
    const team = blocks > 1 ? this.split(2 * T * 4 * r * r * C * N) : undefined;
    const threads = team ? team.size + 1 : 1;
    const tasks = team ? Math.min(blocks, TASKS_PER_THREAD * threads) : 1;
    const zeroBytes = Math.ceil((4 * C) / 16) * 16;
    const vBytes = a * a * 4 * C * Math.ceil(N / 8) * 8;
    const uBytes = a * a * 16 * C * Math.ceil(tb / 4);
    const own = TILE + uBytes + a * a * 4 * N * tb;
    const zero = this.scratch(zeroBytes + vBytes + threads * own);
    const v = zero + zeroBytes;
    // zeros for inputs outside x and for the B panels' columns past N
    new Float32Array(this.memory.buffer, zero, (zeroBytes + vBytes) / 4).fill(0);
    const k = this.k;
    (r === 3 ? k.wfilter3 : k.wfilter5)(filter, C, N, v);
    const work: Work = (kc, mine, t) => {
      const s = mine(v + vBytes);
      const u = mine(v + vBytes + TILE);
      const m = mine(v + vBytes + TILE + uBytes);
      const [b0, b1] = share(blocks, tasks, t);
      for (let t0 = b0 * tb; t0 < Math.min(T, b1 * tb); t0 += tb) {
        (r === 3 ? kc.wblock3 : kc.wblock5)(x, g.inH, g.inW, C, g.padTop, g.padLeft, tw, thw, t0, Math.min(tb, T - t0), N, v, u, m, s, zero, g.outH, g.outW, y);
      }
    };
    if (team) team.run(tasks, own, work);
    else work(k, (p) => p, 0);
  }

  /**
   * dw = ∂L/∂filter of y = conv2d(x, filter) given dy, by Winograd's F(2×2, r×r) (`winogradFits(g)`
   * of the forward convolution), into dw ([r, r, C, N], written in place). Per block of output
   * tiles, x's tiles and dy's are transformed (U = Bᵀ·d·B, ∂M = A·dy·Aᵀ) and each of the α²
   * points adds Uᵀ·∂M (a product over tiles) to its C×N partial sum; dw = Gᵀ·(Σ partial sums)·G.
   * The tiles are cut into at most WINOGRAD_PARTS runs whatever the thread count, each with its
   * own partial sums, added in order at the end: results do not depend on the threads.
   */
  filterGrad(g: ConvShape, x: number, dy: number, dw: number): void {
    if (!winogradFits(g)) throw new Error('wasm-gemm: filterGrad needs a convolution that winogradFits');
    const { r, a, C, N, tw, thw, T } = tiles(g);
    const n8 = Math.ceil(N / 8) * 8;
    const tb = Math.max(4, Math.min(T, Math.floor(WINOGRAD_BYTES / (a * a * 4 * (C + n8)))));
    const blocks = Math.ceil(T / tb);
    const parts = Math.min(blocks, WINOGRAD_PARTS);
    const team = parts > 1 ? this.split(2 * T * 4 * r * r * C * N) : undefined;
    const threads = team ? team.size + 1 : 1;
    const zeroBytes = Math.ceil((4 * C) / 16) * 16;
    const ps = a * a * 4 * C * N;
    const uBytes = a * a * 4 * C * tb;
    const own = TILE + uBytes + a * a * 4 * n8 * tb;
    const zero = this.scratch(zeroBytes + parts * ps + threads * own);
    const acc = zero + zeroBytes;
    new Float32Array(this.memory.buffer, zero, (zeroBytes + parts * ps) / 4).fill(0);
    const work: Work = (kc, mine, p) => {
      const s = mine(acc + parts * ps);
      const u = mine(acc + parts * ps + TILE);
      const b = mine(acc + parts * ps + TILE + uBytes);
      const [b0, b1] = share(blocks, parts, p);
      for (let t0 = b0 * tb; t0 < Math.min(T, b1 * tb); t0 += tb) {
        (r === 3 ? kc.wgblock3 : kc.wgblock5)(x, g.inH, g.inW, C, g.padTop, g.padLeft, tw, thw, t0, Math.min(tb, T - t0), dy, g.outH, g.outW, N,
          u, b, acc + p * ps, s, zero);
      }
    };
    if (team) team.run(parts, own, work);
    else for (let p = 0; p < parts; p++) work(this.k, (q) => q, p);
    (r === 3 ? this.k.wgout3 : this.k.wgout5)(acc, parts, ps, C, N, dw);
  }
}
