import * as tf from '@tensorflow/tfjs-core';
import { createRng } from './rng';
import { selectBackend } from './backend';
import { createOptimizer, disposeOptimizerState } from './optimizer';

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

/**
 * `steps` momentum updates (lr 0.01, 0.9) of seeded variables of `shapes` through
 * `createOptimizer`, and of copies through tfjs's own four kernels (Multiply, Add, Multiply, Add,
 * as tf.train.momentum runs them): whether weights and accumulators agree bit for bit, and the
 * kernels the optimizer ran. Leaves no tensor behind.
 */
export async function momentumAgainstStock(shapes: number[][], steps: number): Promise<{ sameBits: boolean; kernels: string[] }> {
  const opt = createOptimizer({ name: 'momentum', lr: 0.01 });
  const [c, m] = [tf.scalar(-0.01), tf.scalar(0.9)];
  // variables outlive tidy; their initial values do not
  const ours = shapes.map((s, k) => tf.tidy(() => tf.variable(tf.randomNormal(s, 0, 1, 'float32', k))));
  const theirs = ours.map((v) => tf.tidy(() => tf.variable(v.clone())));
  const accs = ours.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v))));
  const kernels = new Set<string>();
  for (let s = 0; s < steps; s++) {
    const grads = ours.map((v, k) => tf.randomNormal(v.shape, 0, 10 ** ((s % 5) - 3), 'float32', 100 * s + k));
    const info = await tf.profile(() => opt.apply(Object.fromEntries(ours.map((v, k) => [v.name, grads[k]!]))));
    info.kernels.forEach((k) => kernels.add(k.name));
    theirs.forEach((v, k) => tf.tidy(() => {
      const next = tf.add(tf.mul(m, accs[k]!), grads[k]!);
      accs[k]!.assign(next);
      v.assign(tf.add(tf.mul(c, next), v));
    }));
    tf.dispose(grads);
  }
  const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
  const same = (a: tf.Tensor, b: tf.Tensor) => {
    const [x, y] = [bits(a), bits(b)];
    return x.length === y.length && x.every((w, i) => w === y[i]);
  };
  const slots = opt.save();
  const sameBits = ours.every((v, k) => same(v, theirs[k]!) && same(slots.slots[v.name]!.momentum as tf.Tensor, accs[k]!));
  disposeOptimizerState(slots);
  opt.dispose();
  tf.dispose([c, m, ...ours, ...theirs, ...accs]);
  return { sameBits, kernels: [...kernels] };
}
