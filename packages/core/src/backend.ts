import * as tf from '@tensorflow/tfjs-core';
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
}

/**
 * Selects and initialises a tfjs backend, importing its package first when it is not registered
 * yet (see {@link loadBackend}). `wasm` (SIMD) is the default in Node; when it cannot start,
 * `cpu` is used unless `strict` is set, and the result says so.
 *
 * @example
 * const info = await selectBackend('wasm');
 * console.log(`backend: ${info.name}${info.simd ? ' (SIMD)' : ''}`);
 */
export async function selectBackend(
  requested: BackendName = 'wasm',
  opts: { strict?: boolean } = {},
): Promise<BackendInfo> {
  if (!BACKENDS.includes(requested)) {
    throw new FblError('INVALID_OPTION', `unknown backend "${String(requested)}" (expected one of ${BACKENDS.join(', ')})`);
  }
  let reason: string | undefined;
  try {
    await loadBackend(requested);
    const ok = await tf.setBackend(requested);
    if (ok) {
      await tf.ready();
      silenceCpuBanner();
      return {
        name: tf.getBackend(),
        requested,
        fellBack: false,
        ...(requested === 'wasm' ? { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT') } : {}),
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

/** One line for logs: `wasm (SIMD)`, or `cpu (fallback from wasm: …)`. */
export function describeBackend(info: BackendInfo): string {
  if (info.fellBack) return `${info.name} (fallback from ${info.requested}: ${info.reason ?? 'unavailable'})`;
  return info.simd ? `${info.name} (SIMD)` : info.name;
}

/**
 * The cpu backend prints a multi-line "install tfjs-node" banner on its first tensor in Node;
 * tfjs-node cannot be installed offline, so the advice is noise in our CLI and JSON output.
 */
function silenceCpuBanner(): void {
  const be = tf.backend() as unknown as { firstUse?: boolean };
  if (tf.getBackend() === 'cpu' && 'firstUse' in be) be.firstUse = false;
}
