import type { DenseFlops } from '@feedback-lab/core';
import { RULES } from '@feedback-lab/rules';

/**
 * The matrix-product FLOPs (2·m·k·n per product) of a dense network [arch] at `batchSize`, by
 * kind: forward x·W per layer, ∂x = dy·Wᵀ for every layer but the first, and the projection of
 * a classes-wide vector onto every hidden layer. ∂W = xᵀ·dy costs what the forward costs.
 */
export function denseFlops(arch: readonly number[], batchSize: number): DenseFlops {
  const layers = arch.slice(1).map((out, i) => 2 * batchSize * arch[i]! * out);
  const nOut = arch[arch.length - 1]!;
  return {
    forward: sum(layers),
    inputGrads: sum(layers.slice(1)),
    projections: sum(arch.slice(1, -1).map((n) => 2 * batchSize * nOut * n)),
  };
}

/**
 * Matrix-product FLOPs of one training step of a dense network, the work a rule must do
 * whatever the backend: each catalogued rule's own count (its descriptor's `flops`) of the
 * network's products, and stock tfjs-layers' (backprop's). Elementwise ops are not counted:
 * they are a few percent of the FLOPs, and GEMM efficiency is what `gemmFraction` is about.
 * Unknown rules return undefined: the benchmark then reports no GFLOP/s for them.
 */
export function trainingFlops(rule: string, arch: readonly number[], batchSize: number): number | undefined {
  const f = denseFlops(arch, batchSize);
  if (rule === 'tfjs-layers') return 2 * f.forward + f.inputGrads;
  return RULES.find((r) => r.name === rule)?.flops(f);
}

/** The distinct matrix products (m, k, n) a dense layer [inSize → out] runs in training. */
export function layerProducts(arch: readonly number[], batchSize: number): [number, number, number][] {
  return arch.slice(1).flatMap((out, i): [number, number, number][] => {
    const inSize = arch[i]!;
    return [
      [batchSize, inSize, out], // forward x·W
      [inSize, batchSize, out], // ∂W = xᵀ·dy
      ...(i > 0 ? [[batchSize, out, inSize] as [number, number, number]] : []), // ∂x = dy·Wᵀ
    ];
  });
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
