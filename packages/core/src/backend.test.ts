import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_PACKAGES, describeBackend, loadBackend, selectBackend, type BackendName } from './backend';
import { FblError } from './errors';

describe('selectBackend', () => {
  it('starts wasm with SIMD in Node', async () => {
    const info = await selectBackend('wasm');
    expect(info).toMatchObject({ name: 'wasm', fellBack: false, simd: true });
    expect(describeBackend(info)).toBe('wasm (SIMD)');
  });

  it('falls back to cpu when a backend cannot start in Node (webgpu), and says why', async () => {
    const info = await selectBackend('webgpu');
    expect(info.name).toBe('cpu');
    expect(info.fellBack).toBe(true);
    expect(describeBackend(info)).toMatch(/^cpu \(fallback from webgpu: backend "webgpu"/);
    await expect(selectBackend('webgpu', { strict: true })).rejects.toThrow(FblError);
  });

  it('a backend package that is not installed is one BACKEND error naming the package to install', async () => {
    const err = await loadBackend('webgpu', '@tensorflow/tfjs-backend-not-installed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FblError);
    expect((err as FblError).code).toBe('BACKEND');
    expect((err as FblError).message).toBe(
      'backend "webgpu" needs @tensorflow/tfjs-backend-not-installed: install it (npm install @tensorflow/tfjs-backend-not-installed) or import it before selectBackend',
    );
  });

  it('imports an installed backend package that nothing registered yet', async () => {
    // Nothing in this test file imports a backend package; selectBackend did, on demand.
    expect(BACKEND_PACKAGES.cpu).toBe('@tensorflow/tfjs-backend-cpu');
    await loadBackend('cpu');
    expect(tf.findBackendFactory('cpu')).toBeTypeOf('function');
  });

  it('rejects unknown names', async () => {
    await expect(selectBackend('tpu' as BackendName)).rejects.toThrow(/unknown backend "tpu"/);
  });
});
