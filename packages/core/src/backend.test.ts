import { describe, expect, it } from 'vitest';
import { describeBackend, selectBackend, type BackendName } from './backend';
import { FblError } from './errors';

describe('selectBackend', () => {
  it('starts wasm with SIMD in Node', async () => {
    const info = await selectBackend('wasm');
    expect(info).toMatchObject({ name: 'wasm', fellBack: false, simd: true });
    expect(describeBackend(info)).toBe('wasm (SIMD)');
  });

  it('falls back to cpu when a backend is not registered, and says so', async () => {
    const info = await selectBackend('webgpu');
    expect(info.name).toBe('cpu');
    expect(info.fellBack).toBe(true);
    expect(describeBackend(info)).toMatch(/^cpu \(fallback from webgpu/);
    await expect(selectBackend('webgpu', { strict: true })).rejects.toThrow(FblError);
  });

  it('rejects unknown names', async () => {
    await expect(selectBackend('tpu' as BackendName)).rejects.toThrow(/unknown backend "tpu"/);
  });
});
