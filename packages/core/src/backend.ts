import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { FblError } from './errors';

export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';
export const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu'];

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
 * Selects and initialises a tfjs backend. `wasm` (SIMD) is the default in Node; when it
 * cannot start, `cpu` is used unless `strict` is set, and the result says so.
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
    reason = err instanceof Error ? err.message : String(err);
  }
  if (opts.strict || requested === 'cpu') {
    throw new FblError('BACKEND', `backend "${requested}" could not start: ${reason}`);
  }
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
