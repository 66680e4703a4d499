// Helper threads for the kernel on a shared WebAssembly.Memory (tfjs-backend-wasm's threaded
// build). Each helper instantiates the same compiled module on the same memory. A product is
// cut into tasks (lists of kernel calls, independent of each other) written into one control
// block; the calling thread and the helpers, woken by Atomics.notify, claim tasks one at a time
// until none is left, so a helper that wakes late or shares its core with other work takes
// fewer of them, and the calling thread waits (Atomics.wait) only for tasks already claimed.

/** Control block words (an Int32Array on a SharedArrayBuffer). */
const GO = 0; // job number, bumped to start a job; -1 tells the helpers to quit
const NEXT = 1; // (job tag << 20) | next task to claim
const NT = 2; // tasks in the job
const FINISHED = 3; // tasks run
const FAILED = 4; // tasks whose calls threw (on a helper, which then stops)
const STRIDE = 5; // bytes between threads' own areas: thread p adds p·STRIDE to marked arguments
const STATES = 6; // per helper: 0 starting, 1 ready, -1 could not start, -2 a call threw
/** Most tasks and calls in one job (a product of more runs on the calling thread alone). */
const MAX_TASKS = 1024;
const MAX_CALLS = 8192;
/** Words of one call: the function's index in FNS, a mask of the arguments in the thread's own area, 20 arguments. */
const REC = 22;
const FNS = ['gemm', 'pack', 'packconv', 'wfilter3', 'wblock3', 'wgblock3', 'wgout3', 'wfilter5', 'wblock5', 'wgblock5', 'wgout5', 'maxpoolgrad', 'gemmx', 'tanh', 'tanhgrad', 'relugrad', 'sign'] as const;
/** Added to an address in a recorded call: "in the running thread's own area". */
const OWN = 2 ** 32;

/** The kernel's exports, as this package calls them. */
export interface KernelCalls {
  gemm(M: number, N: number, K: number, a: number, aps: number, b: number, c: number, crs: number, ccs: number, s: number, acc: number): void;
  /** y = tanh(x), y = sign(x), dx = dy·(1 − y²) and dx = dy·step(y) for n ≥ 4 floats (scripts/activation-wat.mjs). */
  tanh(x: number, y: number, n: number): void;
  sign(x: number, y: number, n: number): void;
  tanhgrad(dy: number, y: number, dx: number, n: number): void;
  relugrad(dy: number, y: number, dx: number, n: number): void;
  /** `gemm` with the operands' steps given: A's rows `ars` and k `aks` apart, B's k `bks` and panels 8·`bjs` apart (read in place or packed). */
  gemmx(
    M: number, N: number, K: number, a: number, aps: number, b: number, c: number, crs: number, ccs: number, s: number, acc: number,
    ars: number, aks: number, bks: number, bjs: number,
  ): void;
  pack(K: number, N: number, w: number, x: number, xks: number, xjs: number, dst: number): void;
  packconv(
    x: number, H: number, W: number, C: number, KW: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number,
    Ho: number, Wo: number, M: number, m0: number, mc: number, t0: number, t1: number, dst: number, zero: number,
  ): void;
  wfilter3: WinogradFilter;
  wblock3: WinogradBlock;
  wgblock3: WinogradGradBlock;
  wgout3: WinogradGradOut;
  wfilter5: WinogradFilter;
  wblock5: WinogradBlock;
  wgblock5: WinogradGradBlock;
  wgout5: WinogradGradOut;
  /** Max pooling's gradient into zeroed dx (scripts/pool-wat.mjs). */
  maxpoolgrad(
    x: number, y: number, dy: number, dx: number, n: number, h: number, w: number, c: number, ho: number, wo: number,
    sh: number, sw: number, fh: number, fw: number, top: number, left: number,
  ): void;
}

/** V = G·g·Gᵀ of a filter g[r][r][C][N] into `gemm`'s B panels, one per tile point (scripts/winograd-wat.mjs). */
type WinogradFilter = (g: number, C: number, N: number, v: number) => void;
/** Tiles [t0, t0 + nt) of a Winograd convolution: input transform, products, output transform (scripts/winograd-wat.mjs). */
type WinogradBlock = (
  x: number, H: number, W: number, C: number, pt: number, pl: number, tw: number, thw: number, t0: number, nt: number,
  N: number, v: number, u: number, m: number, s: number, zero: number, Ho: number, Wo: number, y: number,
) => void;
/** Tiles [t0, t0 + nt) of a Winograd filter gradient, added to the transformed gradient at `acc` (scripts/winograd-wat.mjs). */
type WinogradGradBlock = (
  x: number, H: number, W: number, C: number, pt: number, pl: number, tw: number, thw: number, t0: number, nt: number,
  dy: number, Ho: number, Wo: number, N: number, u: number, b: number, acc: number, s: number, zero: number,
) => void;
/** The filter gradient Gᵀ·∂V·G from `parts` transformed partial sums, `ps` bytes apart (scripts/winograd-wat.mjs). */
type WinogradGradOut = (acc: number, parts: number, ps: number, C: number, N: number, dw: number) => void;

/** Task t's calls on `k`; `own(addr)` is an address in the running thread's own area (thread 0's given). */
export type Work = (k: KernelCalls, own: (addr: number) => number, t: number) => void;

interface Layout {
  tasks: number;
  flags: number;
  recs: number;
}

const layout = (helpers: number): Layout => {
  const tasks = STATES + helpers;
  return { tasks, flags: tasks + MAX_TASKS + 1, recs: tasks + 2 * MAX_TASKS + 1 };
};

// Claims and runs tasks of job `tag` as thread p until none is left. The same code runs on the
// calling thread (below) and, as text, on each helper.
const CLAIM_SRC = (L: Layout) => `(c, fns, p, tag, args) => {
  const base = p * c[${STRIDE}];
  for (;;) {
    const v = Atomics.load(c, ${NEXT});
    if (v >>> 20 !== tag || (v & 0xfffff) >= c[${NT}]) return;
    if (Atomics.compareExchange(c, ${NEXT}, v, v + 1) !== v) continue;
    const t = v & 0xfffff;
    for (let o = c[${L.tasks} + t]; o < c[${L.tasks} + t + 1]; o += ${REC}) {
      const m = c[o + 1];
      for (let i = 0; i < 20; i++) args[i] = c[o + 2 + i] + ((m >> i) & 1 ? base : 0);
      fns[c[o]](...args);
    }
    Atomics.store(c, ${L.flags} + t, (tag << 8) | p);
    Atomics.add(c, ${FINISHED}, 1);
    Atomics.notify(c, ${FINISHED});
  }
}`;

// A helper: plain JavaScript for a Node worker (`eval: true`, workerData) or a browser worker
// (Blob URL, the same data by postMessage).
const helperSrc = (L: Layout) => `
const claim = ${CLAIM_SRC(L)};
const start = ({ module, memory, ctl, h }) => {
  const c = new Int32Array(ctl);
  let fns;
  try {
    const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
    fns = [${FNS.map((f) => `k.${f}`).join(', ')}];
  } catch {
    Atomics.store(c, ${STATES} + h, -1);
    return;
  }
  // jobs started before this helper was ready are left to the others
  let seen = Atomics.load(c, ${GO});
  Atomics.store(c, ${STATES} + h, 1);
  const args = new Array(20);
  for (;;) {
    Atomics.wait(c, ${GO}, seen);
    const go = Atomics.load(c, ${GO});
    if (go < 0) return;
    if (go === seen) continue;
    seen = go;
    try {
      claim(c, fns, h + 1, go & 0x7ff, args);
    } catch {
      Atomics.store(c, ${STATES} + h, -2);
      Atomics.add(c, ${FAILED}, 1);
      Atomics.notify(c, ${FINISHED});
      return;
    }
  }
};
if (typeof require === 'function') start(require('node:worker_threads').workerData);
else self.onmessage = (e) => start(e.data);
`;

type Start = (src: string, data: { module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: SharedArrayBuffer; h: number }, onError: () => void) => () => void;

/** How this engine starts a helper, or undefined where the calling thread may not block (a browser page). */
function starter(): Start | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = proc?.getBuiltinModule?.('node:worker_threads') as typeof import('node:worker_threads') | undefined;
  if (threads) {
    return (src, data, onError) => {
      const w = new threads.Worker(src, { eval: true, workerData: data });
      w.on('error', onError);
      w.unref();
      return () => void w.terminate();
    };
  }
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || 'document' in globalThis) return undefined;
  return (src, data, onError) => {
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const w = new Worker(url);
    URL.revokeObjectURL(url);
    w.onerror = onError;
    w.postMessage(data);
    return () => w.terminate();
  };
}

/** Whether helpers can run here: a memory shared between threads and a thread that may block. */
export function canSplit(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer && starter() !== undefined;
}

type Claim = (c: Int32Array, fns: ((...a: number[]) => void)[], p: number, tag: number, args: number[]) => void;

/**
 * `helpers` threads running kernel calls on `memory` with the calling thread. `run(tasks,
 * stride, work)` records the calls of `work(k, own, t)` for each task t, runs them on whichever
 * thread claims each first, and returns when all have run: results do not depend on which
 * thread ran what. Tasks claimed by a helper that failed, or that did not finish within
 * `timeoutMs` (the helpers are then stopped for good and `notice` says so in one line), are run
 * again on the calling thread.
 */
export class Team {
  notice: string | undefined;
  private readonly ctl: Int32Array<SharedArrayBuffer>;
  private readonly L: Layout;
  private readonly stops: (() => void)[] = [];
  private readonly fns: ((...a: number[]) => void)[];
  private readonly claim: Claim;
  private readonly local: KernelCalls;
  private byHelpers = 0;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, local: KernelCalls, readonly size: number, private readonly timeoutMs = 10_000) {
    const start = starter();
    if (!start) throw new Error('wasm-gemm: helper threads cannot run here');
    this.L = layout(size);
    this.ctl = new Int32Array(new SharedArrayBuffer(4 * (this.L.recs + REC * MAX_CALLS)));
    this.local = local;
    this.fns = FNS.map((f) => local[f] as (...a: number[]) => void);
    // the helpers' claim loop, one text for every thread
    this.claim = new Function(`return ${CLAIM_SRC(this.L)}`)() as Claim;
    const src = helperSrc(this.L);
    for (let h = 0; h < size; h++) this.stops.push(start(src, { module, memory, ctl: this.ctl.buffer, h }, () => Atomics.store(this.ctl, STATES + h, -1)));
  }

  /** Tasks that helpers ran. */
  get jobs(): number {
    return this.byHelpers;
  }

  /** Resolves, once every helper has started or failed to (or after 10 s), to the number that run. */
  async ready(): Promise<number> {
    const until = performance.now() + 10_000;
    const states = () => Array.from(this.ctl.subarray(STATES, STATES + this.size));
    while (states().includes(0) && performance.now() < until) await new Promise((r) => setTimeout(r, 2));
    return this.notice ? 0 : states().filter((st) => st === 1).length;
  }

  /** Runs tasks 0 … tasks − 1 of `work` on this thread and the helpers; thread p's own area is p·stride bytes after thread 0's. */
  run(tasks: number, stride: number, work: Work): void {
    const c = this.ctl;
    const L = this.L;
    const calls: number[][] = [];
    const starts: number[] = [];
    const rec = (f: number) => (...args: number[]) => void calls.push([f, args.reduce((m, a, i) => m | (a >= OWN ? 1 << i : 0), 0), ...args.map((a) => (a >= OWN ? a - OWN : a))]);
    const k = Object.fromEntries(FNS.map((f, i) => [f, rec(i)])) as unknown as KernelCalls;
    for (let t = 0; t < tasks; t++) {
      starts.push(calls.length);
      work(k, (addr) => addr + OWN, t);
    }
    starts.push(calls.length);
    if (calls.length > MAX_CALLS || tasks > MAX_TASKS) {
      // more than the control block holds: all here, as on one thread
      for (let t = 0; t < tasks; t++) work(this.local, (addr) => addr, t);
      return;
    }
    calls.forEach((call, i) => c.set(call, L.recs + i * REC));
    starts.forEach((s, t) => (c[L.tasks + t] = L.recs + s * REC));
    c.fill(0, L.flags, L.flags + tasks);
    c[NT] = tasks;
    c[STRIDE] = stride;
    Atomics.store(c, FINISHED, 0);
    Atomics.store(c, FAILED, 0);
    // The helpers take the job's tag from GO's low 11 bits, so the tag is made from GO, never
    // counted apart: a counter of its own that skipped 0 at its wrap while GO did not left every
    // job after the 2047th with a tag no helper matched, and the calling thread ran them alone.
    let go = (Atomics.load(c, GO) + 1) & 0x3fffffff;
    if ((go & 0x7ff) === 0) go = (go + 1) & 0x3fffffff; // tag 0 is "not finished" in the flags
    const tag = go & 0x7ff;
    Atomics.store(c, NEXT, tag << 20);
    if (!this.notice) {
      Atomics.store(c, GO, go);
      Atomics.notify(c, GO);
    }
    const args: number[] = new Array<number>(20);
    let thrown: { error: unknown } | undefined;
    try {
      this.claim(c, this.fns, 0, tag, args);
    } catch (error) {
      thrown = { error };
    }
    // no more claims (a helper waking late for this job then finds none); wait for the claimed
    // tasks (all of them unless one threw here)
    const claimed = Math.min(tasks, Atomics.exchange(c, NEXT, (tag << 20) | 0xfffff) & 0xfffff);
    const wanted = claimed - (thrown ? 1 : 0);
    const until = performance.now() + this.timeoutMs;
    for (let n = Atomics.load(c, FINISHED); n + Atomics.load(c, FAILED) < wanted; n = Atomics.load(c, FINISHED)) {
      const left = until - performance.now();
      if (left <= 0) {
        this.stop(`wasm-gemm: a helper thread did not finish its part within ${this.timeoutMs} ms; products run on one thread from now on`);
        break;
      }
      Atomics.wait(c, FINISHED, n, left);
    }
    if (thrown) throw thrown.error;
    // any task a helper failed or did not finish in time runs again here (same calls, same result)
    for (let t = 0; t < tasks; t++) {
      const flag = Atomics.load(c, L.flags + t);
      if (flag >>> 8 === tag) {
        if (flag & 0xff) this.byHelpers++;
        continue;
      }
      for (let o = c[L.tasks + t]!; o < c[L.tasks + t + 1]!; o += REC) {
        for (let i = 0; i < 20; i++) args[i] = c[o + 2 + i]!;
        this.fns[c[o]!]!(...args);
      }
    }
  }

  private stop(notice: string): void {
    this.notice ??= notice;
    console.warn(notice);
    this.dispose();
  }

  /** Stops the helper threads (idempotent). */
  dispose(): void {
    Atomics.store(this.ctl, GO, -1);
    Atomics.notify(this.ctl, GO);
    for (const stop of this.stops.splice(0)) stop();
  }
}
