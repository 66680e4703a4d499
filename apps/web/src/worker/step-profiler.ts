import type { PhaseMarker } from '@feedback-lab/core';
import { profilePhases } from '@feedback-lab/profiler';
import type { TrainerCallback } from '@feedback-lab/trainer';
import type { StepRecord } from '../protocol';

export interface PhaseStepProfiler {
  readonly callback: TrainerCallback;
  readonly records: readonly StepRecord[];
}

/**
 * Profiles the first step and one step in `every` with the profiler's `profilePhases`, during
 * real training: per-step resident and transient bytes plus the within-step timeline labelled
 * with the rule's phases, which the trainer passes on from the rule's `ctx.mark` to the
 * callback's `mark` (heeded only while a profiled step runs).
 *
 * @example
 * const prof = phaseStepProfiler({ every: 20 });
 * createTrainer({ rule, callbacks: [prof.callback], ... });
 */
export function phaseStepProfiler(o: { every: number }): PhaseStepProfiler {
  const records: StepRecord[] = [];
  let mark: PhaseMarker | undefined;
  return {
    records,
    callback: {
      mark: (phase) => mark?.(phase),
      async wrapStep(run, info) {
        if (info.step % o.every !== 0) return run();
        const p = await profilePhases((m) => {
          mark = m;
          try {
            return run();
          } finally {
            mark = undefined;
          }
        });
        records.push({
          step: info.step, startBytes: p.startBytes, peakBytes: p.peakBytes, transientBytes: p.peakBytes - p.startBytes,
          phases: p.phases.map((x) => ({ phase: x.phase, peakBytes: x.peakBytes })),
          timeline: p.timeline.map((t) => ({ phase: t.phase, bytes: t.bytes })),
        });
        return p.result;
      },
    },
  };
}
