import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describeBackend, selectBackend } from '@feedback-lab/core';
import { installWasmGemm, uninstallWasmGemm } from '@feedback-lab/wasm-gemm';
// Vite emits these binaries as hashed assets; without the file map the production build asks
// for them next to the JS chunk and 404s (docs/tfjs-facts.md, "wasm backend in Node and in a bundle").
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendStatus, FromWorker, WasmStatus } from '../protocol';
import type { WebBackend } from '../presets';
import { startWasm } from './wasm-threads';

/**
 * Configures the wasm backend for a bundled build. Threads stay off unless `startWasm`
 * (./wasm-threads.ts) starts them: tfjs's own threaded start breaks in a minified bundle.
 */
export function configureWasm(): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlainUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
}

/**
 * Starts wasm with the threads the page asked for (`?threads=`, default every logical core; one
 * with a notice where threads cannot run), then probes the other backends.
 */
export async function probeWorker(threads: string | null | undefined, gemm?: string | null): Promise<Extract<FromWorker, { type: 'backends' }>> {
  let wasm: WasmStatus | undefined;
  let problem: string | undefined;
  try {
    if (typeof WebAssembly === 'object') wasm = { ...await startWasm(threads), gemm: startGemm(gemm) };
  } catch (err) {
    problem = `wasm could not start: ${err instanceof Error ? err.message : String(err)}`;
  }
  const list = (await probeBackends()).map((b) => (b.name === 'wasm' && problem ? { name: b.name, available: false, reason: problem } : b));
  return { type: 'backends', list, ...(wasm ? { wasm } : {}) };
}

/** Whether the page asked for XNNPACK's products (`?gemm=off`); core's selectBackend is told the same. */
let gemmOff = false;

/**
 * Puts @feedback-lab/wasm-gemm's matrix product in place of XNNPACK's for wasm (relaxed-SIMD
 * fused multiply-add where the browser validates it, Chrome ≥ 114; multiply and add otherwise),
 * unless the page says `?gemm=off`. It stays registered when the backend switches back and forth.
 */
function startGemm(param: string | null | undefined): WasmStatus['gemm'] {
  gemmOff = /^(0|off|false|no|xnnpack)$/i.test(param ?? '');
  if (gemmOff || !tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) {
    uninstallWasmGemm();
    return 'xnnpack';
  }
  return installWasmGemm();
}

/** Which backends can run in this worker, and why not where they cannot. */
export async function probeBackends(scope: { navigator: unknown } = self): Promise<BackendStatus[]> {
  const nav = scope.navigator as { gpu?: { requestAdapter(): Promise<unknown> } };
  const wasm: BackendStatus = typeof WebAssembly === 'object'
    ? { name: 'wasm', available: true }
    : { name: 'wasm', available: false, reason: 'WebAssembly is not supported in this browser' };
  let webgl: BackendStatus;
  if (typeof OffscreenCanvas === 'undefined') {
    webgl = { name: 'webgl', available: false, reason: 'OffscreenCanvas is missing, so WebGL cannot run in a worker' };
  } else {
    const canvas = new OffscreenCanvas(1, 1);
    const ok = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
    webgl = ok ? { name: 'webgl', available: true } : { name: 'webgl', available: false, reason: 'no WebGL context (GPU blocked or disabled)' };
  }
  let webgpu: BackendStatus;
  if (!nav.gpu) {
    webgpu = { name: 'webgpu', available: false, reason: 'navigator.gpu is missing (WebGPU not supported or not enabled)' };
  } else {
    const adapter = await nav.gpu.requestAdapter().catch(() => null);
    const problem = adapter ? await webgpuSelfCheck() : 'requestAdapter() found no GPU adapter';
    webgpu = problem ? { name: 'webgpu', available: false, reason: problem } : { name: 'webgpu', available: true };
  }
  return [wasm, webgl, webgpu];
}

/**
 * Predictions read the output synchronously (`dataSync`), which tfjs-webgpu does through canvas
 * copies (training reads asynchronously since rules stopped calling `dataSync`). On some adapters that path returns zeros (seen with Chromium 156's SwiftShader adapter
 * in a worker), and training would silently learn nothing, so the backend is offered only if a
 * training-sized product reads back correctly.
 */
async function webgpuSelfCheck(): Promise<string | undefined> {
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return 'tfjs could not start the webgpu backend';
    // A product of the size training uses: ones(64×784)·ones(784×128) is 784 everywhere.
    const got = tf.tidy(() => tf.matMul(tf.ones([64, 784]), tf.ones([784, 128])).dataSync());
    const bad = got.findIndex((v) => v !== 784);
    if (bad >= 0) return `synchronous GPU→CPU readback (dataSync) is wrong on this adapter: a matMul gave ${got[bad]} instead of 784`;
    return undefined;
  } catch (err) {
    return `webgpu self-check failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Switches tfjs to `name` (no silent fallback) and returns a label such as `wasm (SIMD)`. */
export async function useWebBackend(name: WebBackend): Promise<string> {
  // engine().backendName, not getBackend(): the latter would initialise a default backend.
  if (tf.engine().backendName === name) return describeBackend({ name, requested: name, fellBack: false, ...simd(name) });
  // core's selectBackend imports a missing backend by a variable name that vite leaves alone, so
  // the app imports its own; webgl and webgpu are large, so only when someone picks them.
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  const info = await selectBackend(name, { strict: true, ...(gemmOff ? { gemm: false } : {}) });
  return describeBackend({ ...info, ...simd(name) });
}

function simd(name: WebBackend): { simd?: boolean; threads?: number } {
  return name === 'wasm' ? { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: getThreadsCount() } : {};
}
