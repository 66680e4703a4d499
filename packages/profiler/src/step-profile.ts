import * as tf from '@tensorflow/tfjs-core';
import { countBytes, modelVariables, type Batch, type LearningRule, type Loss, type Model } from '@feedback-lab/core';
import { wasmHeapBytes } from './heap';
import { profilePhases, type PhaseMemory, type TimelinePoint } from './phase-profile';

export interface ResidentBytes {
  /** Model variables: trainable params and batch-norm running statistics. */
  weights: number;
  /** Feedback matrices the rule keeps (0 when regenerated). */
  feedback: number;
  /** The batch being trained on. */
  batch: number;
  /** Everything else alive before the step: optimizer state (and whatever the caller holds). */
  optimizer: number;
  total: number;
}

export interface StepProfile {
  resident: ResidentBytes;
  /** Highest engine bytes during the step minus the bytes before it: activations, gradients. */
  peakTransientBytes: number;
  phases: (PhaseMemory & { peakTransientBytes: number })[];
  timeline: TimelinePoint[];
  wasmHeapBytes?: number;
  loss: number;
}

export interface ProfileStepOptions {
  model: Model;
  rule: LearningRule;
  optimizer: tf.Optimizer;
  batch: Batch;
  loss: Loss;
  /** Untimed steps first, so optimizer slots and lazy feedback exist (default 1). */
  warmup?: number;
  /**
   * Engine bytes that were alive before the model, rule and optimizer were created, batch
   * included (e.g. other models being compared). Default: the batch only, i.e. everything
   * alive at the step's start counts as this run's resident memory.
   */
  baselineBytes?: number;
}

/**
 * Memory of one training step of `rule`, per phase, split into resident bytes (alive between
 * steps) and transient bytes (what the step allocates on top, at its worst moment).
 *
 * @example
 * const p = await profileStep({ model, rule: memDfa(), optimizer, batch, loss: softmaxCrossEntropy });
 * console.log(p.peakTransientBytes, p.phases.map((x) => x.phase));
 */
export async function profileStep(o: ProfileStepOptions): Promise<StepProfile> {
  for (let s = 0; s < (o.warmup ?? 1); s++) o.rule.step(o.model, o.batch, o.optimizer, { loss: o.loss, step: s });
  const weights = countBytes(modelVariables(o.model)); // params and batch-norm statistics
  const feedback = o.rule.residentBytes?.() ?? 0;
  const batch = countBytes([o.batch.x, o.batch.y]);
  const p = await profilePhases((mark) => o.rule.step(o.model, o.batch, o.optimizer, { loss: o.loss, step: o.warmup ?? 1, mark }));
  const total = p.startBytes - (o.baselineBytes ?? batch) + batch;
  return {
    resident: { weights, feedback, batch, optimizer: total - weights - feedback - batch, total },
    peakTransientBytes: p.peakBytes - p.startBytes,
    phases: p.phases.map((x) => ({ ...x, peakTransientBytes: Math.max(0, x.peakBytes - p.startBytes) })),
    timeline: p.timeline,
    wasmHeapBytes: wasmHeapBytes(),
    loss: p.result,
  };
}
