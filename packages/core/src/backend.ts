import * as tf from '@tensorflow/tfjs-core';
import { installWasmGemm, setGemmThreads, uninstallWasmGemm, wasmGemmVariant } from '@feedback-lab/wasm-gemm';
import { FblError } from './errors';

export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';
export const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu'];

/**
 * The npm package that provides each backend. They are optional peer dependencies: a project
 * installs the ones it runs on, and {@link selectBackend} imports the one it is asked for.
 */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
  webgl: '@tensorflow/tfjs-backend-webgl',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
};

/**
 * Registers backend `name` unless it already is, by importing `pkg` (default: the stock package
 * in {@link BACKEND_PACKAGES}); importing a backend package registers it. The specifier is a
 * variable on purpose, so bundlers leave it alone and a project that never installs, say,
 * webgpu still builds; a bundled app imports its backends itself (then this finds them
 * registered). Throws a one-line BACKEND error naming the package when it is not installed.
 */
export async function loadBackend(name: BackendName, pkg: string = BACKEND_PACKAGES[name]): Promise<void> {
  if (tf.findBackendFactory(name)) return;
  try {
    await import(/* @vite-ignore */ /* webpackIgnore: true */ pkg);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /failed to (resolve|fetch)|cannot find (module|package)/i.test(String(err));
    if (missing) throw new FblError('BACKEND', `backend "${name}" needs ${pkg}: install it (npm install ${pkg}) or import it before selectBackend`, { cause: err });
    throw new FblError('BACKEND', `backend "${name}": importing ${pkg} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  // webgl and webgpu register only where their browser API exists (tfjs checks first).
  if (!tf.findBackendFactory(name)) throw new FblError('BACKEND', `backend "${name}": ${pkg} loaded but registered nothing (no ${name === 'webgpu' ? 'navigator.gpu' : name === 'webgl' ? 'WebGL' : 'support'} here)`);
}

export interface BackendInfo {
  /** The backend actually in use. */
  name: string;
  /** The backend asked for. */
  requested: BackendName;
  /** True when the requested backend failed and `cpu` was used instead. */
  fellBack: boolean;
  /** For wasm: whether the SIMD binary was loaded. */
  simd?: boolean;
  /** Why the fallback happened. */
  reason?: string;
  /** wasm: threads its products run on (wasm-gemm's, XNNPACK's pool staying at one; XNNPACK's pool without wasm-gemm), 1 unless more were asked for and could start. */
  threads?: number;
  /** One line for the user when fewer threads than asked for run (why). */
  notice?: string;
  /**
   * wasm: the @feedback-lab/wasm-gemm matrix product running BatchMatMul (`relaxed`: fused
   * multiply-add; `simd`: multiply and add), or undefined for XNNPACK's (`gemm: false` or
   * FBL_WASM_GEMM=0).
   */
  gemm?: 'relaxed' | 'simd';
}

/**
 * Threads asked for: `threads` if given, else the `FBL_THREADS` environment variable, else 1.
 * 0 or `all` means every logical core. Throws a one-line INVALID_OPTION error for anything else.
 */
export function requestedThreads(threads?: number | string): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const raw = threads ?? env?.FBL_THREADS ?? 1;
  const text = String(raw).trim();
  if (text === 'all' || text === '0') return allCores();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new FblError('INVALID_OPTION', `threads must be a positive integer, 0 or "all", got "${text}"`);
  return n;
}

function allCores(): number {
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/**
 * Starts the wasm backend with `threads` threads where that works; otherwise one, with a notice.
 * With wasm-gemm (`gemm`), its products and convolutions take the threads and XNNPACK's pool
 * stays at one thread: the pool's threads spin between jobs and took the core wasm-gemm's helper
 * needed (BP's step 34.6 ms with both pools at two threads, 22.7 ms this way, 20.0 ms on one
 * thread; docs/wasm-gemm.md, "Two cores").
 */
async function startWasm(threads: number, gemm: boolean): Promise<{ threads: number; notice?: string }> {
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  setGemmThreads(undefined);
  if (threads <= 1) return { threads: 1 };
  if (!isNode) return { threads: 1, notice: `wasm threads: ${threads} asked for, but threads run only in Node here (the browser needs cross-origin isolation); using one thread` };
  // not tf.findBackend: that would start the backend (single-threaded) to answer
  if ((tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm) return { threads: 1, notice: `wasm threads: the wasm backend had already started in this process; using one thread` };
  try {
    const { initThreadedWasm } = await import('./wasm-threads');
    const pool = gemm ? 1 : threads;
    const got = await initThreadedWasm(pool);
    if (got !== pool) return { threads: got, notice: `wasm threads: ${threads} asked for, ${got} started` };
    if (gemm) setGemmThreads(threads);
    return { threads };
  } catch (err) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return { threads: 1, notice: `wasm threads: could not start ${threads} (${err instanceof Error ? err.message : String(err)}); using one thread` };
  }
}

const envOff = (name: string) => /^(0|off|false|no)$/i.test((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] ?? '');

/** Whether wasm-gemm is wanted: `gemm` if given, else not when FBL_WASM_GEMM is 0, off, false or no. */
function gemmWanted(wanted: boolean | undefined): boolean {
  return wanted ?? !envOff('FBL_WASM_GEMM');
}

/** Installs wasm-gemm's product over XNNPACK's unless turned off; undefined when it is off or cannot run. */
function startGemm(wanted: boolean | undefined): 'relaxed' | 'simd' | undefined {
  if (!gemmWanted(wanted)) {
    uninstallWasmGemm();
    return undefined;
  }
  // FBL_WINOGRAD=0 keeps 3×3 and 5×5 convolutions on the im2col product (for comparisons)
  return tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? installWasmGemm({ winograd: !envOff('FBL_WINOGRAD') }) : undefined;
}

/**
 * Selects and initialises a tfjs backend, importing its package first when it is not registered
 * yet (see {@link loadBackend}). `wasm` (SIMD) is the default in Node; when it cannot start,
 * `cpu` is used unless `strict` is set, and the result says so. On wasm, 2-D products run on
 * @feedback-lab/wasm-gemm's kernel unless `gemm: false` or FBL_WASM_GEMM=0 (see `gemm` in the result).
 *
 * @example
 * const info = await selectBackend('wasm');
 * console.log(`backend: ${info.name}${info.simd ? ' (SIMD)' : ''}`);
 */
export async function selectBackend(
  requested: BackendName = 'wasm',
  opts: { strict?: boolean; threads?: number | string; gemm?: boolean } = {},
): Promise<BackendInfo> {
  if (!BACKENDS.includes(requested)) {
    throw new FblError('INVALID_OPTION', `unknown backend "${String(requested)}" (expected one of ${BACKENDS.join(', ')})`);
  }
  // A bad thread count is the caller's mistake, not a reason to fall back to cpu.
  const threads = requested === 'wasm' ? requestedThreads(opts.threads) : 1;
  let reason: string | undefined;
  try {
    await loadBackend(requested);
    const threaded = requested === 'wasm' ? await startWasm(threads, gemmWanted(opts.gemm)) : undefined;
    const ok = await tf.setBackend(requested);
    if (ok) {
      await tf.ready();
      silenceCpuBanner();
      return {
        name: tf.getBackend(),
        requested,
        fellBack: false,
        ...(requested === 'wasm' ? { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: threaded!.threads, gemm: startGemm(opts.gemm) } : {}),
        ...(threaded?.notice ? { notice: threaded.notice } : {}),
      };
    }
    reason = `tf.setBackend('${requested}') returned false`;
  } catch (err) {
    // A missing package is a setup problem, not a reason to train on cpu without being asked.
    if (err instanceof FblError && (opts.strict || requested === 'cpu')) throw err;
    reason = err instanceof Error ? err.message : String(err);
  }
  if (opts.strict || requested === 'cpu') {
    throw new FblError('BACKEND', `backend "${requested}" could not start: ${reason}`);
  }
  await loadBackend('cpu');
  await tf.setBackend('cpu');
  await tf.ready();
  silenceCpuBanner();
  return { name: tf.getBackend(), requested, fellBack: true, reason };
}

/**
 * Whose matrix products this engine runs: `xnnpack` on wasm without wasm-gemm (tfjs's own, which
 * transpose around each product: FBL_WASM_GEMM=0, `gemm: false`), else `wasm-gemm` (wasm's
 * default; other backends are counted as it). The memory model picks its coefficients by it.
 */
export function productsInUse(): 'wasm-gemm' | 'xnnpack' {
  return tf.getBackend() === 'wasm' && wasmGemmVariant() === undefined ? 'xnnpack' : 'wasm-gemm';
}

/** One line for logs: `wasm (SIMD)`, or `cpu (fallback from wasm: …)`. */
export function describeBackend(info: BackendInfo): string {
  if (info.fellBack) return `${info.name} (fallback from ${info.requested}: ${info.reason ?? 'unavailable'})`;
  const threads = (info.threads ?? 1) > 1 ? `, ${info.threads} threads` : '';
  return info.simd ? `${info.name} (SIMD${threads})` : threads ? `${info.name} (${info.threads} threads)` : info.name;
}

/**
 * The cpu backend prints a multi-line "install tfjs-node" banner on its first tensor in Node;
 * tfjs-node cannot be installed offline, so the advice is noise in our CLI and JSON output.
 */
function silenceCpuBanner(): void {
  const be = tf.backend() as unknown as { firstUse?: boolean };
  if (tf.getBackend() === 'cpu' && 'firstUse' in be) be.firstUse = false;
}
