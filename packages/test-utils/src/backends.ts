import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from '@feedback-lab/core';

/** Backends every numeric test runs on in Node. */
export const NODE_BACKENDS: readonly BackendName[] = ['wasm', 'cpu'];

/** Switches to `name` and fails loudly if it is not the one in use. */
export async function useBackend(name: BackendName): Promise<void> {
  const info = await selectBackend(name, { strict: true });
  if (tf.getBackend() !== name) throw new Error(`wanted backend ${name}, got ${info.name}`);
}
