import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { relaxedSimdSupported, SPLIT_FLOPS, WasmGemm, type ConvShape } from './gemm';
import { KERNELS } from './kernels.generated';
import { heap, type Heap } from './split.fixture';
import { Team, type KernelCalls } from './split';

const here = dirname(fileURLToPath(import.meta.url));
const variant = relaxedSimdSupported() ? 'relaxed' : 'simd';

/** C of op(A)·op(B) on `g`, from operands made with fixed seeds. */
function product(h: Heap, g: WasmGemm, [M, N, K]: number[], tA: boolean, tB: boolean): Float32Array {
  const a = h.floats(M! * K!, 1);
  const b = h.floats(K! * N!, 2);
  const c = h.floats(M! * N!);
  g.multiply(M!, N!, K!, a, tA, b, tB, c);
  return h.read(c, M! * N!);
}

function conv(h: Heap, g: WasmGemm, s: ConvShape, winograd = true): Float32Array {
  const x = h.floats(s.batch * s.inH * s.inW * s.inC, 3);
  const f = h.floats(s.kh * s.kw * s.inC * s.outC, 4);
  const n = s.batch * s.outH * s.outW * s.outC;
  const y = h.floats(n);
  g.convolve(s, x, f, y, { winograd });
  return h.read(y, n);
}

/** Winograd's filter gradient of a convolution `s`, from x and dy made with fixed seeds. */
function filterGrad(h: Heap, g: WasmGemm, s: ConvShape): Float32Array {
  const x = h.floats(s.batch * s.inH * s.inW * s.inC, 5);
  const dy = h.floats(s.batch * s.outH * s.outW * s.outC, 6);
  const n = s.kh * s.kw * s.inC * s.outC;
  const dw = h.floats(n);
  g.filterGrad(s, x, dy, dw);
  return h.read(dw, n);
}

/** Elements that differ in bits (toEqual on large arrays is slow). */
function differing(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) return Infinity;
  const [u, v] = [new Uint32Array(x.buffer), new Uint32Array(y.buffer)];
  return u.reduce((n, bits, i) => n + (bits === v[i] ? 0 : 1), 0);
}

const same = (s: Omit<ConvShape, 'outH' | 'outW' | 'strideH' | 'strideW' | 'dilationH' | 'dilationW' | 'padTop' | 'padLeft'>): ConvShape =>
  ({ ...s, outH: s.inH, outW: s.inW, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: (s.kh - 1) >> 1, padLeft: (s.kw - 1) >> 1 });

/** A team of one helper on `h` and a kernel instance of the calling thread. */
function team(h: Heap, kernel: keyof typeof KERNELS, timeoutMs?: number): { team: Team; local: KernelCalls } {
  const module = (name: keyof typeof KERNELS) => new WebAssembly.Module(Uint8Array.from(atob(KERNELS[name]), (ch) => ch.charCodeAt(0)));
  const local = new WebAssembly.Instance(module('simd-shared'), { env: { memory: h.memory } }).exports as unknown as KernelCalls;
  return { team: new Team(module(kernel), h.memory, local, 1, timeoutMs), local };
}

/**
 * C = A·B (M×K·K×N, N = 8·(n0 + n1)) through `t` as two tasks (the first n0 column panels, then
 * n1), and the same on the calling thread alone.
 */
function tasks(h: Heap, t: Team, local: KernelCalls, [M, K, n0, n1]: number[]): [Float32Array, Float32Array] {
  const N = 8 * (n0! + n1!);
  const [a, b, c, ref, s] = [h.floats(M! * K!, 1), h.floats(K! * N, 2), h.floats(M! * N), h.floats(M! * N), h.floats(64)];
  const [pa, pb] = [h.floats(M! * K!), h.floats(K! * N)];
  local.pack(K!, M!, 4, a, 4, 4 * K!, pa);
  t.run(2, 128, (k, own, task) => {
    const [j0, j1] = task ? [8 * n0!, N] : [0, 8 * n0!];
    k.pack(K!, j1 - j0, 8, b + 4 * j0, 4 * N, 4, pb + 4 * K! * j0);
    k.gemm(M!, j1 - j0, K!, pa, 16 * K!, pb + 4 * K! * j0, c + 4 * j0, 4 * N, 4, own(s), 0);
  });
  local.pack(K!, N, 8, b, 4 * N, 4, pb);
  local.gemm(M!, N, K!, pa, 16 * K!, pb, ref, 4 * N, 4, s, 0);
  return [h.read(c, M! * N), h.read(ref, M! * N)];
}

describe('wasm-gemm on two threads (a shared memory)', () => {
  it('splits large products and convolutions with results bit-identical to one thread', async () => {
    const h = heap(true);
    const one = new WasmGemm(h.backend, variant, { threads: 1 });
    const two = new WasmGemm(h.backend, variant, { threads: 2 });
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(await two.start()).toBe(2);
    // the MLP's products, edges in every dimension, every transpose case, weights read in place
    // or packed: the same bits on two threads as on one, and in either layout
    const packed = [new WasmGemm(h.backend, variant, { threads: 1, layout: 'packed' }), new WasmGemm(h.backend, variant, { threads: 2, layout: 'packed' })];
    const inPlace = [new WasmGemm(h.backend, variant, { threads: 1, layout: 'in-place' }), new WasmGemm(h.backend, variant, { threads: 2, layout: 'in-place' })];
    for (const shape of [[64, 800, 784], [37, 130, 900], [784, 800, 64], [64, 17, 4000], [6, 30, 40]]) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const ref = product(h, one, shape, tA, tB);
        for (const g of [two, ...packed, ...inPlace]) expect(differing(product(h, g, shape, tA, tB), ref)).toBe(0);
      }
    }
    expect(inPlace[1]!.splits + packed[1]!.splits).toBeGreaterThan(0);
    for (const g of [...packed, ...inPlace]) g.dispose();
    // the helper ran some of the tasks (how many depends on when it woke)
    expect(two.splits).toBeGreaterThan(0);
    let splits = two.splits;
    // split by row blocks (forward), by column panels (few rows: the filter gradient's form)
    const shapes = [
      same({ batch: 8, inH: 32, inW: 32, inC: 3, kh: 5, kw: 5, outC: 32 }),
      same({ batch: 4, inH: 16, inW: 16, inC: 32, kh: 5, kw: 5, outC: 20 }),
      { ...same({ batch: 3, inH: 30, inW: 30, inC: 64, kh: 30, kw: 30, outC: 36 }), outH: 3, outW: 25, padTop: 1, padLeft: 2 },
      // 1400 k blocks of one tap: more calls than the control block holds, so not split
      same({ batch: 1, inH: 16, inW: 16, inC: 512, kh: 28, kw: 50, outC: 8 }),
    ];
    const splits0 = splits;
    for (const s of shapes) {
      expect(differing(conv(h, two, s, false), conv(h, one, s, false))).toBe(0);
      if (s.inC === 512) expect(two.splits).toBe(splits);
      splits = two.splits;
    }
    expect(two.splits).toBeGreaterThan(splits0);
    // Winograd: forward by runs of tile blocks; the filter gradient's partial sums are cut by
    // tiles the same way whatever the threads, so it is bit-identical too
    for (const s of [same({ batch: 8, inH: 16, inW: 16, inC: 32, kh: 5, kw: 5, outC: 64 }), same({ batch: 6, inH: 29, inW: 17, inC: 16, kh: 3, kw: 3, outC: 12 })]) {
      splits = two.splits;
      expect(differing(conv(h, two, s), conv(h, one, s))).toBe(0);
      expect(differing(filterGrad(h, two, s), filterGrad(h, one, s))).toBe(0);
      expect(two.splits).toBeGreaterThan(splits);
    }
    splits = two.splits;
    // a small one stays on the calling thread
    const [M, N, K] = [16, 64, 64];
    expect(2 * M * N * K).toBeLessThan(SPLIT_FLOPS);
    expect(differing(product(h, two, [M, N, K], false, false), product(h, one, [M, N, K], false, false))).toBe(0);
    expect(two.splits).toBe(splits);
    expect(two.notice).toBeUndefined();
    two.dispose();
  }, 60_000);

  it('stays on one thread where the memory is not shared or one thread is asked for', async () => {
    const own = heap(false);
    const g = new WasmGemm(own.backend, variant, { threads: 2 });
    expect(g.threads).toBe(1);
    expect(await g.start()).toBe(1);
    product(own, g, [64, 800, 784], false, false);
    expect(g.splits).toBe(0);
    const shared = heap(true);
    const single = new WasmGemm(shared.backend, variant, { threads: 1 });
    product(shared, single, [64, 800, 784], false, false);
    expect(single.splits).toBe(0);
  });

  it('runs a helper\'s share on the calling thread when the helper cannot start', async () => {
    const h = heap(true);
    // the kernel built for an unshared memory cannot link to a shared one, in the helper too
    const { team: t, local } = team(h, 'simd');
    expect(await t.ready()).toBe(0);
    const [got, ref] = tasks(h, t, local, [64, 256, 8, 8]);
    expect(t.jobs).toBe(0);
    expect(differing(got, ref)).toBe(0);
    t.dispose();
  });

  it('does not hang on a helper that does not answer: says so once and goes on alone', async () => {
    const h = heap(true);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      // no time at all to finish: of a short task (about 20 ms, time for the helper to wake)
      // and one five times as long, the thread that claims first takes the first, the other the
      // second; the calling thread then waits 0 ms for the helper. Tried in both orders, up to
      // ten times (which thread claims first, and whether the helper wakes in time to claim one
      // at all on a loaded machine, is up to the scheduler) until the helper is the one left
      // running.
      const { team: t, local } = team(h, 'simd-shared', 0);
      expect(await t.ready()).toBe(1);
      for (let i = 0; i < 10; i++) {
        const [got, ref] = tasks(h, t, local, [512, 1024, ...(i % 2 ? [100, 20] : [20, 100])]);
        expect(differing(got, ref)).toBe(0);
        if (t.notice) break;
      }
      expect(t.notice).toBe('wasm-gemm: a helper thread did not finish its part within 0 ms; products run on one thread from now on');
      expect(warn).toHaveBeenCalledTimes(1);
      // from now on every task runs here (tries before the notice may have left the helper some)
      const jobs = t.jobs;
      const [got, ref] = tasks(h, t, local, [64, 256, 8, 8]);
      expect(differing(got, ref)).toBe(0);
      expect([t.jobs, warn.mock.calls.length]).toEqual([jobs, 1]);
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps sharing past 2047 jobs, where the job tag wraps', async () => {
    // The tag was once counted apart from GO and skipped 0 at its wrap while GO did not: every
    // job after the 2047th then had a tag no helper matched, and the calling thread ran it alone
    // (a training step makes about eight split products: two threads ran as one after ~250 steps).
    const h = heap(true);
    const { team: t, local } = team(h, 'simd-shared');
    expect(await t.ready()).toBe(1);
    const [M, K, N] = [64, 512, 1024];
    const [a, b, c, s, pa, pb] = [h.floats(M * K, 1), h.floats(K * N, 2), h.floats(M * N), h.floats(64), h.floats(M * K), h.floats(K * N)];
    local.pack(K, M, 4, a, 4, 4 * K, pa);
    // C's first n columns as two tasks of n/2 (each about 1 ms at n = N)
    const job = (n: number) => t.run(2, 128, (k, own, task) => {
      const [j0, j1] = task ? [n / 2, n] : [0, n / 2];
      k.pack(K, j1 - j0, 8, b + 4 * j0, 4 * N, 4, pb + 4 * K * j0);
      k.gemm(M, j1 - j0, K, pa, 16 * K, pb + 4 * K * j0, c + 4 * j0, 4 * N, 4, own(s), 0);
    });
    for (let i = 0; i < 2100; i++) job(16);
    const before = t.jobs;
    for (let i = 0; i < 200; i++) job(N);
    expect(t.jobs).toBeGreaterThan(before);
    t.dispose();
  });

  it('leaves no helper running that keeps the process alive', async () => {
    const { stdout } = await promisify(execFile)(process.execPath,
      ['--conditions=@feedback-lab/source', '--import', 'tsx', join(here, 'split.fixture.ts'), '--leave-running', 'simd'],
      { cwd: here, timeout: 30_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ threads: 2 });
  }, 40_000);
});
