import type { RunData } from '../runs';
import type { Line } from './chart';

/** Label and colour of a run, the same in every chart and in the table. */
export function runStyle(r: RunData, index: number): { label: string; color: string } {
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  return { label: `#${r.info.id} ${r.info.rule}`, color: palette[index % palette.length]! };
}

/**
 * Per-step memory from the profiler's records: the peak (solid) and the resident bytes at the
 * step's start (dashed). The gap between them is the transient memory a rule needs.
 */
export function perStepLines(runs: readonly RunData[]): Line[] {
  return runs.flatMap((r, i) => {
    const { label, color } = runStyle(r, i);
    const x = r.memory.map((m) => m.step);
    return [
      { label: `${label} peak`, color, x, y: r.memory.map((m) => m.peakBytes) },
      { label: `${label} resident`, color, x, y: r.memory.map((m) => m.startBytes), dashed: true },
    ];
  });
}

/**
 * The within-step timeline of the latest profiled step of each run: transient bytes (above the
 * step's start) after each kernel. BP's line climbs while it stores every block's activations;
 * MEM-DFA's stays low because it keeps one block at a time.
 */
export function timelineLines(runs: readonly RunData[]): Line[] {
  return runs.flatMap((r, i) => {
    const rec = latest(r);
    if (!rec) return [];
    const { label, color } = runStyle(r, i);
    const y = [0, ...rec.timeline.map((p) => p.bytes - rec.startBytes)];
    return [{ label: `${label} (step ${rec.step})`, color, x: y.map((_, k) => k), y }];
  });
}

/**
 * Peak transient bytes per phase of the latest profiled step, with per-block phases
 * (`update:dense3`) folded into one (`update`), so rules with different schedules line up.
 */
export function phaseSummary(r: RunData): { phase: string; transientBytes: number }[] {
  const rec = latest(r);
  if (!rec) return [];
  const byPhase = new Map<string, number>();
  for (const p of rec.phases) {
    const name = p.phase.split(':')[0]!;
    byPhase.set(name, Math.max(byPhase.get(name) ?? 0, p.peakBytes - rec.startBytes));
  }
  return [...byPhase].map(([phase, transientBytes]) => ({ phase, transientBytes: Math.max(0, transientBytes) }));
}

function latest(r: RunData) {
  return [...r.memory].reverse().find((m) => m.timeline.length);
}
