import { createRng } from './rng';
import { selectBackend } from './backend';

// Helpers for core's own tests (test-utils depends on core, so core cannot use it).

/** Seeded standard-normal values plus `offset`. */
export function normals(n: number, seed: number, offset = 0): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() + offset);
}

/** max|a − b| / max|b|: the relative error the gradient tests bound by 1e-4. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

export const useBackend = (name: 'wasm' | 'cpu') => selectBackend(name, { strict: true });
