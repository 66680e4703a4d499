import * as tf from '@tensorflow/tfjs-core';
import { median } from './stats';

const SYNC_BACKENDS = new Set(['wasm', 'cpu']);

export interface MatMulRate {
  /** [m, k, n]: an m×k by k×n product. */
  shape: [number, number, number];
  ms: number;
  gflops: number;
}

export interface MatMulProbe {
  /** Runs every product once and records its time. */
  sample(): void;
  /** Medians so far: per shape, and the FLOP-weighted overall rate (Σ FLOPs ÷ Σ median time). */
  rates(): { perShape: MatMulRate[]; gflops: number };
  dispose(): void;
}

/**
 * The backend's own `tf.matMul` throughput on the given product shapes: plain (untransposed)
 * operands made once, so the backend may cache whatever it caches per tensor — its best case.
 * The overall rate is the yardstick `gemmFraction` divides by. Sampling it between training
 * steps (rather than once) exposes it to the same machine load as the steps.
 */
export function matMulProbe(shapes: readonly [number, number, number][], now: () => number = () => performance.now()): MatMulProbe {
  const operands = shapes.map(([m, k, n], i) => [
    tf.randomUniform([m, k], -1, 1, 'float32', 2 * i + 1),
    tf.randomUniform([k, n], -1, 1, 'float32', 2 * i + 2),
  ] as const);
  const times = shapes.map((): number[] => []);
  return {
    sample() {
      operands.forEach(([a, b], i) => {
        const t0 = now();
        const c = tf.matMul(a, b);
        // wasm and cpu run kernels synchronously; GPU backends would otherwise time the dispatch
        if (!SYNC_BACKENDS.has(tf.getBackend())) c.dataSync();
        times[i]!.push(now() - t0);
        c.dispose();
      });
    },
    rates() {
      const perShape = shapes.map(([m, k, n], i): MatMulRate => {
        const ms = median(times[i]!);
        return { shape: [m, k, n], ms, gflops: (2 * m * k * n) / ms / 1e6 };
      });
      const flops = perShape.reduce((s, r) => s + 2 * r.shape[0] * r.shape[1] * r.shape[2], 0);
      const ms = perShape.reduce((s, r) => s + r.ms, 0);
      return { perShape, gflops: flops / ms / 1e6 };
    },
    dispose: () => operands.forEach((ab) => tf.dispose([...ab])),
  };
}
