import * as tf from '@tensorflow/tfjs-core';
import { median } from './stats';

const SYNC_BACKENDS = new Set(['wasm', 'cpu']);

export interface MatMulRate {
  /** [m, k, n]: an m×k by k×n product. */
  shape: [number, number, number];
  ms: number;
  gflops: number;
}

/**
 * The backend's own `tf.matMul` throughput on the given product shapes: plain (untransposed)
 * operands made once, so the backend may cache whatever it caches per tensor: its best case.
 * Returns one rate per shape, plus the FLOP-weighted overall rate (Σ FLOPs ÷ Σ time), which is
 * the yardstick `gemmFraction` divides by.
 */
export function measureMatMul(
  shapes: readonly [number, number, number][], o: { reps?: number; now?: () => number } = {},
): { perShape: MatMulRate[]; gflops: number } {
  const reps = o.reps ?? 15;
  const now = o.now ?? (() => performance.now());
  const perShape = shapes.map(([m, k, n]): MatMulRate => {
    const a = tf.randomUniform([m, k], -1, 1, 'float32', 1);
    const b = tf.randomUniform([k, n], -1, 1, 'float32', 2);
    const times: number[] = [];
    for (let r = 0; r < reps + 2; r++) {
      const t0 = now();
      const c = tf.matMul(a, b);
      // wasm and cpu run kernels synchronously; GPU backends would otherwise time the dispatch
      if (!SYNC_BACKENDS.has(tf.getBackend())) c.dataSync();
      if (r >= 2) times.push(now() - t0);
      c.dispose();
    }
    tf.dispose([a, b]);
    const ms = median(times);
    return { shape: [m, k, n], ms, gflops: (2 * m * k * n) / ms / 1e6 };
  });
  const flops = perShape.reduce((s, r) => s + 2 * r.shape[0] * r.shape[1] * r.shape[2], 0);
  const ms = perShape.reduce((s, r) => s + r.ms, 0);
  return { perShape, gflops: flops / ms / 1e6 };
}
