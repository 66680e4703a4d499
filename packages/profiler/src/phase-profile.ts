import * as tf from '@tensorflow/tfjs-core';
import type { PhaseMarker } from '@feedback-lab/core';

/** Engine tensor bytes right after one kernel of the step. */
export interface TimelinePoint {
  kernel: string;
  phase: string;
  bytes: number;
}

export interface PhaseMemory {
  phase: string;
  kernels: number;
  /** Highest engine bytes after any kernel of the phase. */
  peakBytes: number;
  /** Kernel time, from tf.profile (synchronised per kernel, so slower than a real step). */
  ms: number;
}

export interface PhaseProfile<T = number> {
  /** Engine bytes before the step. */
  startBytes: number;
  peakBytes: number;
  timeline: TimelinePoint[];
  /** Phases in the order they were first entered. */
  phases: PhaseMemory[];
  /** What `run` returned. */
  result: T;
}

/**
 * Runs `run` under `tf.profile` and splits its kernel records by the phase the rule had marked
 * when each kernel ran (`ctx.mark`), giving a memory timeline per step. Bytes are the engine's
 * `numBytes`: logical tensor bytes, counting a tensor that aliases another's data (clone,
 * reshape, the tape's saved inputs) once more; XNNPACK caches are not in it (see the heap).
 */
export async function profilePhases<T>(run: (mark: PhaseMarker) => T): Promise<PhaseProfile<T>> {
  const startBytes = tf.memory().numBytes;
  const marks: { phase: string; at: number }[] = [{ phase: 'start', at: 0 }];
  const engine = tf.engine();
  const mark: PhaseMarker = (phase) => marks.push({ phase, at: engine.state.activeProfile.kernels.length });
  let result: T | undefined;
  const info = await tf.profile(() => {
    result = run(mark);
    return [];
  });
  const timeline: TimelinePoint[] = [];
  const byPhase = new Map<string, PhaseMemory>();
  let m = 0;
  info.kernels.forEach((k, i) => {
    while (m + 1 < marks.length && marks[m + 1]!.at <= i) m++;
    const phase = marks[m]!.phase;
    timeline.push({ kernel: k.name, phase, bytes: k.totalBytesSnapshot });
    const p = byPhase.get(phase) ?? { phase, kernels: 0, peakBytes: 0, ms: 0 };
    p.kernels++;
    p.peakBytes = Math.max(p.peakBytes, k.totalBytesSnapshot);
    p.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byPhase.set(phase, p);
  });
  const peakBytes = Math.max(startBytes, ...timeline.map((t) => t.bytes));
  return { startBytes, peakBytes, timeline, phases: [...byPhase.values()], result: result as T };
}
