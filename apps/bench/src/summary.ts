import type { MemoryDepthRow } from './memory-depth';

export interface MemoryDepthSummary {
  /** Per rule: peak transient bytes at the deepest depth over the depth-2 value (or shallowest). */
  growth: Record<string, { from: number; to: number; ratio: number }>;
  /** Largest |measured/predicted − 1| over the rows with a prediction (peak transient). */
  worstPredictionError: number;
  /** Per rule: step time over BP's at the reference depth (default 10), if both were measured. */
  stepTimeVsBp: Record<string, number>;
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
  return { growth, worstPredictionError, stepTimeVsBp };
}
