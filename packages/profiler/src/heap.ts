import * as tf from '@tensorflow/tfjs-core';

/**
 * Size of the wasm backend's linear memory in bytes, or undefined on other backends. It only
 * grows (WebAssembly.Memory cannot shrink) and includes what the engine's counters miss:
 * XNNPACK packed weights, operator caches, fragmentation.
 */
export function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength;
}
