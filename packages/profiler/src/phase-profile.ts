import * as tf from '@tensorflow/tfjs-core';
import type { PhaseMarker } from '@feedback-lab/core';
import { meterBuffers } from './buffer-meter';
import { profileKernels } from './kernel-profile';

/** Tensor buffer bytes (start + change so far) right after one kernel of the step. */
export interface TimelinePoint {
  kernel: string;
  phase: string;
  bytes: number;
}

export interface PhaseMemory {
  phase: string;
  kernels: number;
  /** Highest tensor buffer bytes during the phase. */
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
 * when each kernel ran (`ctx.mark`), giving a memory timeline per step. Bytes are distinct
 * tensor buffers (the internal buffer meter): the engine's `numBytes` at the start plus the buffers
 * the step has created and freed since, so an alias (clone, reshape, a tensor the tape saved)
 * costs nothing; XNNPACK caches are not in it (see the heap).
 */
export async function profilePhases<T>(run: (mark: PhaseMarker) => T): Promise<PhaseProfile<T>> {
  const startBytes = tf.memory().numBytes;
  const marks: { phase: string; at: number }[] = [{ phase: 'start', at: 0 }];
  const engine = tf.engine();
  const mark: PhaseMarker = (phase) => marks.push({ phase, at: engine.state.activeProfile.kernels.length });
  let result: T | undefined;
  const meter = meterBuffers();
  let info: Awaited<ReturnType<typeof profileKernels>>;
  try {
    info = await profileKernels(() => {
      result = run(mark);
    });
  } finally {
    meter.stop();
  }
  // buffer bytes after kernel i: the last change noted before its record was added
  const after: number[] = [];
  let level = 0;
  let j = 0;
  // the phase of each kernel: the last mark at or before it (one pass, linear in depth)
  const phaseOf: string[] = [];
  for (let i = 0, m = 0; i < info.kernels.length; i++) {
    while (m + 1 < marks.length && marks[m + 1]!.at <= i) m++;
    phaseOf.push(marks[m]!.phase);
  }
  const byPhase = new Map<string, PhaseMemory>();
  const phase = (name: string) => byPhase.get(name) ?? byPhase.set(name, { phase: name, kernels: 0, peakBytes: startBytes, ms: 0 }).get(name)!;
  info.kernels.forEach((k, i) => {
    const p = phase(phaseOf[i]!);
    while (j < meter.samples.length && meter.samples[j]!.kernel <= i) {
      // changes noted while kernel i ran (i kernels recorded so far) belong to it
      level = meter.samples[j]!.bytes;
      p.peakBytes = Math.max(p.peakBytes, startBytes + level);
      j++;
    }
    after.push(startBytes + level);
    p.kernels++;
    p.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  });
  const timeline: TimelinePoint[] = info.kernels.map((k, i) => ({ kernel: k.name, phase: phaseOf[i]!, bytes: after[i]! }));
  const peakBytes = startBytes + meter.peak();
  return { startBytes, peakBytes, timeline, phases: [...byPhase.values()], result: result as T };
}
