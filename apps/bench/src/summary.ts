import type { MemoryDepthRow } from './memory-depth';

export interface MemoryDepthSummary {
  /** Per rule: peak transient bytes at the deepest depth over the depth-2 value (or shallowest). */
  growth: Record<string, { from: number; to: number; ratio: number }>;
  /** Largest |measured/predicted − 1| over the rows with a prediction (peak transient). */
  worstPredictionError: number;
  /** Per rule: step time over BP's at the reference depth (default 10), if both were measured. */
  stepTimeVsBp: Record<string, number>;
  /**
   * Per rule: bytes added per block, the least-squares slope over the depths of the fresh
   * process's wasm heap (when measured) and of the engine's peak (resident + transient buffers).
   */
  perLayer: Record<string, { heapBytes?: number; engineBytes: number }>;
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? NaN : points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
}

/** The headline ratios of a memory-vs-depth run. */
export function summarize(rows: readonly MemoryDepthRow[], o: { fromDepth?: number; timeDepth?: number } = {}): MemoryDepthSummary {
  const rules = [...new Set(rows.map((r) => r.rule))];
  const growth: MemoryDepthSummary['growth'] = {};
  for (const rule of rules) {
    const mine = rows.filter((r) => r.rule === rule).sort((a, b) => a.depth - b.depth);
    const base = mine.find((r) => r.depth === (o.fromDepth ?? 2)) ?? mine[0]!;
    const top = mine[mine.length - 1]!;
    growth[rule] = { from: base.depth, to: top.depth, ratio: top.peakTransientBytes / base.peakTransientBytes };
  }
  const worstPredictionError = Math.max(0, ...rows.flatMap((r) =>
    r.predictedPeakTransientBytes === null ? [] : [Math.abs(r.peakTransientBytes / r.predictedPeakTransientBytes - 1)]));
  const at = o.timeDepth ?? 10;
  const bp = rows.find((r) => r.rule === 'bp' && r.depth === at);
  const stepTimeVsBp: Record<string, number> = {};
  if (bp) for (const r of rows.filter((x) => x.depth === at)) stepTimeVsBp[r.rule] = r.stepMs / bp.stepMs;
  const perLayer: MemoryDepthSummary['perLayer'] = {};
  for (const rule of rules) {
    const mine = rows.filter((r) => r.rule === rule);
    const heap = mine.filter((r) => r.heapBytes !== undefined).map((r) => [r.depth, r.heapBytes!] as const);
    perLayer[rule] = {
      engineBytes: slope(mine.map((r) => [r.depth, r.residentBytes + r.peakTransientBytes] as const)),
      ...(heap.length >= 2 ? { heapBytes: slope(heap) } : {}),
    };
  }
  return { growth, worstPredictionError, stepTimeVsBp, perLayer };
}
