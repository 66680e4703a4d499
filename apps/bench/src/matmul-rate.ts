import * as tf from '@tensorflow/tfjs-core';
import { median } from './stats';

const SYNC_BACKENDS = new Set(['wasm', 'cpu']);

export interface MatMulRate {
  /** [m, k, n]: an m×k by k×n product. */
  shape: [number, number, number];
  ms: number;
  gflops: number;
  /** The same product with a right operand new to the backend (as in training), for context. */
  freshMs: number;
  freshGflops: number;
}

export interface MatMulProbe {
  /** Runs every product once and records its time. */
  sample(): void;
  /** Medians so far: per shape, and the FLOP-weighted overall rate (Σ FLOPs ÷ Σ median time). */
  rates(): { perShape: MatMulRate[]; gflops: number; freshGflops: number };
  dispose(): void;
}

/**
 * The backend's own `tf.matMul` throughput on the given product shapes: plain (untransposed)
 * operands made once, so the backend may cache whatever it caches per tensor — its best case.
 * The overall rate is the yardstick `gemmFraction` divides by. Each sample also times the
 * product with a right operand the backend has not seen (a clone), which is what every product
 * in training is (weights change each step): wasm/XNNPACK then repacks it, so that rate is lower
 * and is reported for context only. Sampling it between training
 * steps (rather than once) exposes it to the same machine load as the steps.
 */
export function matMulProbe(shapes: readonly [number, number, number][], now: () => number = () => performance.now()): MatMulProbe {
  const operands = shapes.map(([m, k, n], i) => [
    tf.randomUniform([m, k], -1, 1, 'float32', 2 * i + 1),
    tf.randomUniform([k, n], -1, 1, 'float32', 2 * i + 2),
  ] as const);
  const times = shapes.map((): number[] => []);
  const fresh = shapes.map((): number[] => []);
  const time = (a: tf.Tensor, b: tf.Tensor, into: number[]) => {
    const t0 = now();
    const c = tf.matMul(a, b);
    // wasm and cpu run kernels synchronously; GPU backends would otherwise time the dispatch
    if (!SYNC_BACKENDS.has(tf.getBackend())) c.dataSync();
    into.push(now() - t0);
    c.dispose();
  };
  return {
    sample() {
      operands.forEach(([a, b], i) => {
        time(a, b, times[i]!);
        const b2 = b.clone(); // a new tensor id: nothing cached for it
        time(a, b2, fresh[i]!);
        b2.dispose();
      });
    },
    rates() {
      const perShape = shapes.map(([m, k, n], i): MatMulRate => {
        const ms = median(times[i]!);
        const freshMs = median(fresh[i]!);
        const flops = 2 * m * k * n;
        return { shape: [m, k, n], ms, gflops: flops / ms / 1e6, freshMs, freshGflops: flops / freshMs / 1e6 };
      });
      const flops = perShape.reduce((s, r) => s + 2 * r.shape[0] * r.shape[1] * r.shape[2], 0);
      const ms = perShape.reduce((s, r) => s + r.ms, 0);
      const freshMs = perShape.reduce((s, r) => s + r.freshMs, 0);
      return { perShape, gflops: flops / ms / 1e6, freshGflops: flops / freshMs / 1e6 };
    },
    dispose: () => operands.forEach((ab) => tf.dispose([...ab])),
  };
}
