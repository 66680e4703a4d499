import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs tfjs-backend-wasm's threaded SIMD binary (an XNNPACK thread pool) in Node, where tfjs
 * turns it off (tfjs issue 3830). Three things stand in the way, and are worked around here only
 * while the backend initialises:
 * - the flag `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false in Node: it is set to true;
 * - the pthread workers start from `blob:` URLs (the worker script, and the module factory it
 *   loads), which Node's `Worker` refuses: the worker script is written to a temporary file
 *   instead, with the factory pointed at the emscripten module file that ships in the package;
 * - the C++ side caps the pool at half the logical cores (`os.cpus()`), so a 2-core machine
 *   gets one thread: `os.cpus()` reports at least 2 × the requested threads meanwhile.
 * Workers are kept unref'd (emscripten refs one while its pthread runs, and a listener refs its
 * port), so XNNPACK's pool threads, which run for good, do not keep the process alive. Only for Node; the caller falls
 * back to one thread when this throws.
 */
export async function initThreadedWasm(threads: number): Promise<number> {
  const node = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const builtin = <T>(id: string) => {
    const m = node?.getBuiltinModule?.(id) as T | undefined;
    if (!m) throw new Error('needs Node ≥ 20.16 (process.getBuiltinModule)');
    return m;
  };
  const fs = builtin<typeof import('node:fs')>('node:fs');
  const os = builtin<typeof import('node:os')>('node:os');
  const path = builtin<typeof import('node:path')>('node:path');
  const workers = builtin<typeof import('node:worker_threads')>('node:worker_threads');
  const { createRequire } = builtin<typeof import('node:module')>('node:module');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const entry = resolveFrom(createRequire, [() => import.meta.url, () => path.join(process.cwd(), 'index.js')]);
  const moduleFile = path.join(path.dirname(entry), '..', 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  if (!fs.existsSync(moduleFile)) throw new Error(`no threaded module at ${moduleFile}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fbl-wasm-threads-'));

  const RealBlob = globalThis.Blob;
  const parts = new WeakMap<Blob, unknown[]>();
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  const RealWorker = workers.Worker;
  let files = 0;
  globalThis.Blob = class extends RealBlob {
    constructor(p?: BlobPart[], o?: BlobPropertyBag) {
      super(p, o);
      parts.set(this, p ?? []);
    }
  } as typeof Blob;
  URL.createObjectURL = (b: Blob) => {
    const p = parts.get(b);
    if (!p) return createObjectURL(b);
    // the worker script; inside it, the factory's blob resolves to the module file
    const file = path.join(dir, `worker-${files++}.js`);
    fs.writeFileSync(file, `${p.join('')}\n;URL.createObjectURL=()=>${JSON.stringify(moduleFile)};URL.revokeObjectURL=()=>{};\n`);
    return file;
  };
  os.cpus = () => {
    const c = cpus();
    return Array.from({ length: Math.max(c.length, 2 * threads) }, (_, i) => c[i % c.length]!);
  };
  (workers as { Worker: unknown }).Worker = class extends RealWorker {
    constructor(...args: ConstructorParameters<typeof RealWorker>) {
      super(...args);
      this.unref();
      // emscripten refs a worker while its pthread runs: XNNPACK's pool threads run for good
      this.ref = () => undefined;
      // a 'message' listener refs the worker's port again
      const on = this.on.bind(this) as (event: string, listener: (...a: unknown[]) => void) => unknown;
      this.on = ((event: string, listener: (...a: unknown[]) => void) => {
        on(event, listener);
        this.unref();
        return this;
      }) as typeof this.on;
    }
  };
  // the unref'd workers leave nothing to keep Node's event loop running while it waits for them
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded backend did not initialise');
    await tf.ready();
    return wasm.getThreadsCount();
  } finally {
    clearInterval(keepAlive);
    globalThis.Blob = RealBlob;
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    (workers as { Worker: unknown }).Worker = RealWorker;
  }
}

/** The backend package's entry file, resolved from this file or else the working directory. */
function resolveFrom(createRequire: (base: string) => NodeJS.Require, bases: (() => string)[]): string {
  for (const base of bases) {
    try {
      return createRequire(base()).resolve('@tensorflow/tfjs-backend-wasm');
    } catch {
      // a CommonJS build has no import.meta.url; try the next base
    }
  }
  throw new Error('cannot resolve @tensorflow/tfjs-backend-wasm');
}
