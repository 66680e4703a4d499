import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
// The emscripten module of the threaded binary, emitted verbatim (not bundled, not minified):
// the pthread workers load it by URL (see startWasm).
import threadedModuleUrl from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';

/** Threads the wasm backend runs with, and one line for the user when that is fewer than asked for. */
export interface WasmThreads {
  threads: number;
  notice?: string;
}

/** What decides whether threads can run in this worker. */
export interface ThreadsEnv {
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  simd: boolean;
  hardwareConcurrency: number;
}

/** How long the threaded backend may take to start before the worker gives up on it. */
const START_TIMEOUT_MS = 30_000;

/**
 * Threads asked for by the page's `?threads=` parameter: absent, empty or `all` means every
 * logical core; otherwise a positive integer. Anything else is a one-line error.
 */
export function parseThreads(raw: string | null | undefined, cores: number): number {
  const text = (raw ?? '').trim();
  if (text === '' || text === 'all') return Math.max(1, cores);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`threads=${text} is not a positive integer or "all"`);
  return n;
}

/** How many threads to try in `env`, with the reason when it must be one. */
export function planThreads(requested: number, env: ThreadsEnv): WasmThreads {
  if (requested <= 1) return { threads: 1 };
  const why = !env.crossOriginIsolated
    ? 'the page is not cross-origin isolated (serve it with COOP/COEP headers)'
    : !env.sharedArrayBuffer
      ? 'SharedArrayBuffer is unavailable'
      : !env.simd
        ? 'this browser has no wasm SIMD (the threaded binary needs it)'
        : undefined;
  return why ? { threads: 1, notice: `wasm threads: ${requested} asked for, but ${why}; using one thread` } : { threads: requested };
}

/** This worker's environment. */
export async function threadsEnv(scope: typeof globalThis = globalThis): Promise<ThreadsEnv> {
  return {
    crossOriginIsolated: scope.crossOriginIsolated === true,
    sharedArrayBuffer: typeof scope.SharedArrayBuffer === 'function',
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean,
    hardwareConcurrency: scope.navigator?.hardwareConcurrency ?? 1,
  };
}

/**
 * Starts the wasm backend with the threads `raw` asks for (the `?threads=` parameter) where this
 * worker can run them, else with one thread and a notice. Never throws for a threads problem.
 *
 * tfjs starts its pthread workers with `importScripts` of a blob holding
 * `var WasmBackendModuleThreadedSimd = ` + the module factory's `toString()`. In a bundle that text
 * is not self-contained: the factory sits in a CommonJS wrapper whose `_scriptDir` the minifier
 * renames (and turns its `typeof _scriptDir !== "undefined"` guard into `e !== void 0`), and Node's
 * `require` becomes the bundler's helper, so every pthread dies with "e is not defined". Only that
 * blob is replaced here, while the backend starts: it loads the package's own module file, emitted
 * as an asset, which defines the same factory. The main thread keeps the bundled copy.
 * The C++ side also caps the pool at half of `navigator.hardwareConcurrency` (a 2-core machine
 * would get one thread), so this worker reports at least 2 × `threads` cores meanwhile.
 */
export async function startWasm(raw: string | null | undefined, scope: typeof globalThis = globalThis): Promise<WasmThreads> {
  const env = await threadsEnv(scope);
  let requested: number;
  let notice: string | undefined;
  try {
    requested = parseThreads(raw, env.hardwareConcurrency);
  } catch (err) {
    requested = env.hardwareConcurrency;
    notice = `wasm threads: ${(err as Error).message}; using ${requested}`;
  }
  const plan = planThreads(requested, env);
  if (plan.threads <= 1) return startSingle(plan.notice ?? notice);
  const factory = tf.findBackendFactory('wasm');
  if (!factory) throw new Error('the wasm backend is not registered');
  try {
    const got = await startThreaded(plan.threads, scope);
    return got === plan.threads ? { threads: got, ...(notice ? { notice } : {}) } : { threads: got, notice: `wasm threads: ${plan.threads} asked for, ${got} started` };
  } catch (err) {
    // Forget the half-started backend and start the single-threaded one from the same factory.
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, WASM_PRIORITY);
    return startSingle(`wasm threads: could not start ${plan.threads} (${err instanceof Error ? err.message : String(err)}); using one thread`);
  }
}

/** tfjs-backend-wasm's registration priority. */
const WASM_PRIORITY = 2;

async function startSingle(notice: string | undefined): Promise<WasmThreads> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend could not start');
  return notice ? { threads: 1, notice } : { threads: 1 };
}

async function startThreaded(threads: number, scope: typeof globalThis): Promise<number> {
  const moduleUrl = new URL(threadedModuleUrl, scope.location.href).href;
  const RealBlob = scope.Blob;
  const FACTORY_SOURCE = 'var WasmBackendModuleThreadedSimd = ';
  scope.Blob = class extends RealBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      const first = parts?.[0];
      super(typeof first === 'string' && first.startsWith(FACTORY_SOURCE) ? [`importScripts(${JSON.stringify(moduleUrl)});`] : parts, options);
    }
  };
  // A pthread worker that fails reports to this worker's global scope (emscripten rethrows it);
  // while the backend starts, that is a failed start, not an error for the page.
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    // emscripten rethrows the pthread's own ErrorEvent, whose message says what went wrong
    const inner: unknown = e.error;
    const message = inner instanceof ErrorEvent ? inner.message : e.message;
    fail(new Error(message || 'a pthread worker failed'));
  };
  scope.addEventListener('error', onError);
  const nav = scope.navigator;
  Object.defineProperty(nav, 'hardwareConcurrency', { value: Math.max(nav.hardwareConcurrency, 2 * threads), configurable: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ok = true;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS)));
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    setThreadsCount(threads);
    if (!(await Promise.race([tf.setBackend('wasm'), failed, timeout]))) throw new Error('tf.setBackend returned false');
    return getThreadsCount();
  } catch (err) {
    // pthread workers of the failed start may still report; keep them away from the page
    ok = false;
    throw err;
  } finally {
    clearTimeout(timer);
    if (ok) scope.removeEventListener('error', onError);
    scope.Blob = RealBlob;
    // the own property shadowed the prototype's getter
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}
