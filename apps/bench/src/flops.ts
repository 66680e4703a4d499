/**
 * Matrix-product FLOPs of one training step of a dense network (2·m·k·n per product), the
 * work a rule must do whatever the backend. Elementwise ops are not counted: they are a few
 * percent of the FLOPs, and GEMM efficiency is what `gemmFraction` is about.
 *
 * - bp, fa: forward x·W per layer, ∂W = xᵀ·dy per layer, ∂x = dy·Wᵀ (or dy·B) for every
 *   layer but the first.
 * - sign-symmetry: as fa (sign(W) in place of B).
 * - dfa, drtp: forward, ∂W per layer, and the projections B_i·e (drtp: B_i·y*) for every hidden
 *   layer; no ∂x.
 * - mem-dfa: dfa plus the recomputed forward of every layer in its second pass.
 * Unknown rules return undefined: the benchmark then reports no GFLOP/s for them.
 */
export function trainingFlops(rule: string, arch: readonly number[], batchSize: number): number | undefined {
  const layers = arch.slice(1).map((out, i) => 2 * batchSize * arch[i]! * out);
  const forward = sum(layers);
  const inputGrads = sum(layers.slice(1));
  const nOut = arch[arch.length - 1]!;
  const projections = sum(arch.slice(1, -1).map((n) => 2 * batchSize * nOut * n));
  switch (rule) {
    case 'bp':
    case 'fa':
    case 'sign-symmetry':
    case 'tfjs-layers':
      return 2 * forward + inputGrads;
    case 'dfa':
    case 'drtp':
      return 2 * forward + projections;
    case 'mem-dfa':
      return 3 * forward + projections;
    default:
      return undefined;
  }
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
