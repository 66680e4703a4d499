import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy, type Batch, type Dataset, type LearningRule, type Model } from '@feedback-lab/core';
import { measureAlignment, type AlignmentReport } from '@feedback-lab/profiler';
import type { TrainerCallback } from '@feedback-lab/trainer';

export interface AlignmentReporterOptions {
  every: number;
  model: Model;
  rule: LearningRule;
  dataset: Dataset;
  json: boolean;
  out: (text: string) => void;
  base: Record<string, unknown>;
  /** Samples in the fixed probe batch (default 256, from the test split). */
  probeSize?: number;
}

/**
 * Prints alignment angles every N steps on a fixed probe batch, as `{"event":"alignment"}`
 * lines with --json. Measuring runs an extra step and a BP gradient, so it stays outside the
 * profiled step and off by default.
 */
export async function alignmentReporter(o: AlignmentReporterOptions): Promise<TrainerCallback & {
  measure(step: number): AlignmentReport;
  dispose(): void;
}> {
  let probe: Batch | undefined;
  for await (const b of o.dataset.batches({ split: 'test', batchSize: o.probeSize ?? 256 })) {
    probe = b;
    break;
  }
  const deg = (xs: readonly (number | null)[]) => xs.map((a) => (a === null ? null : Math.round(a * 100) / 100));
  const measure = (step: number) => {
    const r = measureAlignment(o.model, o.rule, probe!, softmaxCrossEntropy);
    if (o.json) {
      const ratios = r.updateRatios.map((x) => Math.round(x * 1000) / 1000);
      o.out(JSON.stringify({ event: 'alignment', step, alignment: deg(r.updateAngles), updateRatios: ratios, feedbackAngles: deg(r.feedbackAngles), blocks: r.blocks, ...o.base }) + '\n');
    } else {
      o.out(`alignment at step ${step}: update vs BP ${r.updateAngles.map((a) => `${a.toFixed(1)}°`).join(' ')}; size vs BP ${r.updateRatios.map((x) => `${x.toPrecision(3)}×`).join(' ')}` +
        (r.feedbackAngles.some((a) => a !== null) ? `; W vs B ${r.feedbackAngles.map((a) => (a === null ? '-' : `${a.toFixed(1)}°`)).join(' ')}` : '') + '\n');
    }
    return r;
  };
  return {
    onBatchEnd(e) {
      if (e.step % o.every === 0) measure(e.step);
    },
    measure,
    dispose: () => tf.dispose(probe ? [probe.x, probe.y] : []),
  };
}
