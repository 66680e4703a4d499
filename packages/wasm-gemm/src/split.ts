// Helper threads for the kernel on a shared WebAssembly.Memory (tfjs-backend-wasm's threaded
// build): each helper instantiates the same compiled module on the same memory and runs a list
// of kernel calls that the calling thread wrote into its control block, while the calling thread
// runs its own share. A fork-join per product: Atomics.notify to start, Atomics.wait to join.

/** Control block words of one helper (an Int32Array on its own SharedArrayBuffer). */
const GO = 0; // job number, bumped by the caller to start a job; -1 tells the helper to quit
const DONE = 1; // job number the helper finished last
const STATE = 2; // 0 starting, 1 ready, -1 could not instantiate, -2 a call threw
const COUNT = 3; // calls in the list
const HEAD = 4;
/** Words of one call: the function's index in FNS and up to 20 arguments. */
const REC = 21;
/** Calls a list holds. */
const LANE_CALLS = 2048;
const FNS = ['gemm', 'pack', 'packconv'] as const;

/** The kernel's exports, as this package calls them. */
export interface KernelCalls {
  gemm(M: number, N: number, K: number, a: number, aps: number, b: number, c: number, crs: number, ccs: number, s: number, acc: number): void;
  pack(K: number, N: number, w: number, x: number, xks: number, xjs: number, dst: number): void;
  packconv(
    x: number, H: number, W: number, C: number, KW: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number,
    Ho: number, Wo: number, M: number, m0: number, mc: number, t0: number, t1: number, dst: number, zero: number,
  ): void;
}

// A helper: plain JavaScript for a Node worker (`eval: true`, workerData) or a browser worker
// (Blob URL, the same data by postMessage).
const HELPER_SRC = `
const start = ({ module, memory, ctl }) => {
  const c = new Int32Array(ctl);
  let fns;
  try {
    const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
    fns = [${FNS.map((f) => `k.${f}`).join(', ')}];
  } catch {
    Atomics.store(c, ${STATE}, -1);
    return;
  }
  Atomics.store(c, ${STATE}, 1);
  for (let seen = 0; ;) {
    Atomics.wait(c, ${GO}, seen);
    const go = Atomics.load(c, ${GO});
    if (go < 0) return;
    if (go === seen) continue;
    seen = go;
    try {
      for (let i = 0, n = c[${COUNT}]; i < n; i++) {
        const o = ${HEAD} + i * ${REC};
        fns[c[o]](...c.subarray(o + 1, o + ${REC}));
      }
    } catch {
      Atomics.store(c, ${STATE}, -2);
    }
    Atomics.store(c, ${DONE}, seen);
    Atomics.notify(c, ${DONE});
  }
};
if (typeof require === 'function') start(require('node:worker_threads').workerData);
else self.onmessage = (e) => start(e.data);
`;

interface Helper {
  ctl: Int32Array<SharedArrayBuffer>;
  stop(): void;
  /** Calls in the list being written; 0 = nothing to run. */
  count: number;
  /** Job number of the job in flight, or 0. */
  job: number;
}

type Start = (data: { module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: SharedArrayBuffer }, onError: () => void) => () => void;

/** How this engine starts a helper, or undefined where the calling thread may not block (a browser page). */
function starter(): Start | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = proc?.getBuiltinModule?.('node:worker_threads') as typeof import('node:worker_threads') | undefined;
  if (threads) {
    return (data, onError) => {
      const w = new threads.Worker(HELPER_SRC, { eval: true, workerData: data });
      w.on('error', onError);
      w.unref();
      return () => void w.terminate();
    };
  }
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || 'document' in globalThis) return undefined;
  return (data, onError) => {
    const url = URL.createObjectURL(new Blob([HELPER_SRC], { type: 'text/javascript' }));
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

/** Kernel calls as data, [index in FNS, ...arguments], so any thread can run them. */
type Call = number[];

/** A KernelCalls that appends each call to `list` instead of running it. */
function record(list: Call[]): KernelCalls {
  const put = (f: number) => (...args: number[]) => void list.push([f, ...args]);
  return { gemm: put(0), pack: put(1), packconv: put(2) };
}

/** Runs `calls` on this thread's instance `k`. */
function exec(k: KernelCalls, calls: Call[]): void {
  const fns = FNS.map((f) => k[f] as (...args: number[]) => void);
  for (const [f, ...args] of calls) fns[f!]!(...args);
}

/**
 * `helpers` threads running kernel calls on `memory`. `run(parts, work)` records the calls of
 * `work(k, p)` for each part p < parts, runs part 0 on the calling thread and part 1 + h on
 * helper h at the same time, and returns when all have run. A helper
 * that is not ready yet (it starts in the background), could not start, or failed has its list
 * run on the calling thread instead, with the same result; one that does not answer within
 * `timeoutMs` stops the helpers for good (`notice` says so in one line).
 */
export class Team {
  notice: string | undefined;
  private readonly helpers: Helper[] = [];
  private done = 0;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, private readonly local: KernelCalls, helpers: number, private readonly timeoutMs = 10_000) {
    const start = starter();
    if (!start) throw new Error('wasm-gemm: helper threads cannot run here');
    for (let h = 0; h < helpers; h++) {
      const ctl = new Int32Array(new SharedArrayBuffer(4 * (HEAD + REC * LANE_CALLS)));
      const helper: Helper = { ctl, stop: () => undefined, count: 0, job: 0 };
      helper.stop = start({ module, memory, ctl: ctl.buffer }, () => Atomics.store(ctl, STATE, -1));
      this.helpers.push(helper);
    }
  }

  /** Helper threads (some may not be ready yet). */
  get size(): number {
    return this.helpers.length;
  }

  /** Jobs that helpers ran (a list each). */
  get jobs(): number {
    return this.done;
  }

  /** Resolves, once every helper has started or failed to (or after 10 s), to the number that run. */
  async ready(): Promise<number> {
    const until = performance.now() + 10_000;
    const states = () => this.helpers.map((h) => Atomics.load(h.ctl, STATE));
    while (states().includes(0) && performance.now() < until) await new Promise((r) => setTimeout(r, 2));
    return this.notice ? 0 : states().filter((st) => st === 1).length;
  }

  /**
   * Runs part 0 here and part 1 + h on helper h (parts ≤ size + 1), all at once; lists longer
   * than a control block holds go in rounds (a fork-join each), every list in its own order.
   */
  run(parts: number, work: (k: KernelCalls, p: number) => void): void {
    const lists = Array.from({ length: parts }, (_, p) => {
      const calls: Call[] = [];
      work(record(calls), p);
      return calls;
    });
    const rounds = Math.max(1, ...lists.slice(1).map((l) => Math.ceil(l.length / LANE_CALLS)));
    for (let r = 0; r < rounds; r++) {
      this.helpers.forEach((h, i) => this.start(h, (lists[1 + i] ?? []).slice(r * LANE_CALLS, (r + 1) * LANE_CALLS)));
      const own = lists[0] ?? [];
      try {
        exec(this.local, own.slice(Math.floor((own.length * r) / rounds), Math.floor((own.length * (r + 1)) / rounds)));
      } finally {
        for (const h of this.helpers) {
          if (h.job && !this.join(h)) this.stopAll(`wasm-gemm: a helper thread did not answer within ${this.timeoutMs} ms; products run on one thread from now on`);
          // not started, failed or timed out: the calling thread runs the list (same calls, same result)
          if (h.count && (!h.job || Atomics.load(h.ctl, STATE) !== 1)) this.replay(h);
          else if (h.job) this.done++;
          h.job = 0;
          h.count = 0;
        }
      }
    }
  }

  /** Writes `calls` into helper h's control block and wakes it, if it is ready. */
  private start(h: Helper, calls: Call[]): void {
    calls.forEach(([f, ...args], i) => {
      h.ctl[HEAD + i * REC] = f!;
      h.ctl.set(args, HEAD + i * REC + 1);
    });
    h.count = calls.length;
    if (!h.count || this.notice || Atomics.load(h.ctl, STATE) !== 1) return;
    Atomics.store(h.ctl, COUNT, h.count);
    h.job = (Atomics.load(h.ctl, GO) + 1) & 0x3fffffff || 1;
    Atomics.store(h.ctl, GO, h.job);
    Atomics.notify(h.ctl, GO);
  }

  /** Waits for helper `h`'s job; false when it timed out. */
  private join(h: Helper): boolean {
    const until = performance.now() + this.timeoutMs;
    for (let done = Atomics.load(h.ctl, DONE); done !== h.job; done = Atomics.load(h.ctl, DONE)) {
      const left = until - performance.now();
      if (left <= 0) return false;
      Atomics.wait(h.ctl, DONE, done, left);
    }
    return true;
  }

  private replay(h: Helper): void {
    exec(this.local, Array.from({ length: h.count }, (_, i) => Array.from(h.ctl.subarray(HEAD + i * REC, HEAD + (i + 1) * REC))));
  }

  private stopAll(notice: string): void {
    this.notice ??= notice;
    console.warn(notice);
    this.dispose();
  }

  /** Stops the helper threads (idempotent). */
  dispose(): void {
    for (const h of this.helpers) {
      Atomics.store(h.ctl, GO, -1);
      Atomics.notify(h.ctl, GO);
      h.stop();
      h.stop = () => undefined;
      Atomics.store(h.ctl, STATE, -1);
    }
  }
}
