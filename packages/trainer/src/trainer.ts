import * as tf from '@tensorflow/tfjs-core';
import {
  FblError, deriveSeed, modelVariables, softmaxCrossEntropy, stepSync,
  type BatchEndEvent, type Dataset, type EpochEndEvent, type LearningRule, type Loss, type MemoryStats, type Model,
  type Optimizer, type PhaseMarker, type TrainerCallback,
} from '@feedback-lab/core';
import { explosionGuard, finiteProbe, snapshotForUndo, type DivergePolicy, type ExplosionOptions, type StepUndo } from './divergence';
import { evaluateModel, type EvalResult } from './evaluate';

/**
 * Where a run stands between two steps: enough, with the weights and optimizer state, to go on
 * exactly as an uninterrupted run would (data order is a function of (seed, epoch)).
 */
export interface TrainingPosition {
  /** The epoch in progress (1-based); `epochs + 1` once training is complete. */
  epoch: number;
  /** Batches of `epoch` already done. */
  batchInEpoch: number;
  /** Global steps done. */
  step: number;
  /** Running sums for the epoch's mean loss. */
  lossSum: number;
  seen: number;
}

export interface CheckpointHook {
  /** Save every N steps (and at each epoch end). */
  every?: number;
  /** Persists the state at `pos`; returns where it went, for messages. */
  save(pos: TrainingPosition): Promise<string>;
}

export interface TrainerOptions {
  model: Model;
  rule: LearningRule;
  optimizer: Optimizer;
  dataset: Dataset;
  callbacks?: readonly TrainerCallback[];
  loss?: Loss;
  /** Seed for data order; each epoch shuffles with a seed derived from it. */
  seed?: number;
  /** Clock in ms, injectable for tests. */
  now?: () => number;
  /** Resume from this position (the weights and optimizer state must already be restored). */
  start?: TrainingPosition;
  checkpoint?: CheckpointHook;
  /**
   * On a non-finite loss or weight: `stop` (default) throws DIVERGED; `skip-batch` undoes the
   * step, reports it through `onBatchSkipped` and goes on, up to `maxConsecutiveSkips` in a row.
   */
  onDiverge?: DivergePolicy;
  maxConsecutiveSkips?: number;
  /**
   * A finite loss that stays far above its starting value (default ≥ 100× for 5 steps in a row,
   * see `ExplosionOptions`) stops the run with DIVERGED, under either `onDiverge` policy;
   * `false` turns the check off.
   */
  explosion?: ExplosionOptions | false;
  /**
   * Read the losses (and the weights' finiteness) every `k` steps, in one asynchronous read
   * (default 1 on cpu, wasm and tensorflow; 8 on webgl and webgpu, where each read waits for
   * the GPU pipeline to drain). Divergence and explosions are then noticed up to k − 1 steps
   * late, and `batchEnd` events come in bursts of k. `skip-batch` always reads every step, as it
   * must undo the bad step before the next.
   */
  lossReadEvery?: number;
}

/** Backends where a read stalls the device's pipeline, so losses are read in batches. */
const BATCHED_READ_BACKENDS = new Set(['webgl', 'webgpu']);

/** A step whose loss has not been read yet. */
interface PendingStep {
  /** [loss, finiteProbe(weights)], unread. */
  health: tf.Tensor;
  epoch: number;
  step: number;
  size: number;
  t0: number;
}

/** Rules without a feedback matrix, for which `--feedback-scale` is no remedy. */
const NO_FEEDBACK_SCALE = new Set(['bp', 'sign-symmetry']);

export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** Train on the first `limit` training samples only. */
  limit?: number;
  shuffle?: boolean;
  /** Samples of each split used for the epoch-end accuracies (default: train 10 000, test all). */
  trainEvalLimit?: number;
  testEvalLimit?: number;
}

export interface Trainer {
  fit(o: FitOptions): Promise<EpochEndEvent[]>;
  evaluate(split: 'train' | 'test', o?: { limit?: number; batchSize?: number }): Promise<EvalResult>;
  /** Steps taken so far. */
  readonly step: number;
}

/**
 * Composes a model, a learning rule, an optimizer and a dataset into a training loop that emits
 * `batchEnd` and `epochEnd` events to its callbacks.
 *
 * @example
 * const trainer = createTrainer({ model, rule: bp(), optimizer: createOptimizer({ name: 'adam', lr: 1e-3 }), dataset });
 * const epochs = await trainer.fit({ epochs: 2, batchSize: 64 });
 */
export function createTrainer(o: TrainerOptions): Trainer {
  const loss = o.loss ?? softmaxCrossEntropy;
  const callbacks = o.callbacks ?? [];
  const now = o.now ?? (() => performance.now());
  let step = o.start?.step ?? 0;
  const policy = o.onDiverge ?? 'stop';
  // with batch-norm running statistics and the rule's own variables (KP's B), so a skipped
  // batch undoes their update too, and a NaN in either counts as divergence
  const params = [...modelVariables(o.model), ...(o.rule.variables?.(o.model) ?? [])];
  let lastCheckpoint: { where: string; step: number } | undefined;
  let skipsInARow = 0;
  const explosion = o.explosion === false ? undefined : explosionGuard(o.explosion);
  const diverged = (what: string, epoch: number, step: number, fix = 'lower the learning rate') => {
    const last = lastCheckpoint ? `last good checkpoint: ${lastCheckpoint.where} (step ${lastCheckpoint.step})` : 'no checkpoint was written';
    return new FblError('DIVERGED', `${what} at step ${step} (epoch ${epoch}) with rule ${o.rule.name}; ${last}; ${fix}`);
  };
  const explosionFix = `lower the learning rate (--lr)${NO_FEEDBACK_SCALE.has(o.rule.name) ? '' : ' or the feedback scale (--feedback-scale)'}`;
  const save = async (pos: TrainingPosition) => {
    if (!o.checkpoint) return;
    const where = await o.checkpoint.save(pos);
    // One written while the loss is over the explosion threshold is no good place to go back to.
    if (!explosion?.streak) lastCheckpoint = { where, step: pos.step };
  };

  const wrapped = (run: () => tf.Scalar, info: { epoch: number; step: number }) =>
    callbacks.reduce<() => tf.Scalar | Promise<tf.Scalar>>(
      (inner, cb) => (cb.wrapStep ? () => cb.wrapStep!(() => syncOnly(inner()), info) : inner),
      run,
    )();
  // Rules mark their phases through ctx.mark; callbacks listen with `mark`.
  const listeners = callbacks.filter((cb) => cb.mark);
  const mark: PhaseMarker | undefined = listeners.length ? (phase) => listeners.forEach((cb) => cb.mark!(phase)) : undefined;
  const readEvery = policy === 'skip-batch' ? 1 : o.lossReadEvery ?? (BATCHED_READ_BACKENDS.has(tf.getBackend()) ? 8 : 1);
  if (!Number.isInteger(readEvery) || readEvery < 1) throw new FblError('INVALID_OPTION', `lossReadEvery must be a positive integer, got ${readEvery}`);

  const memory = (): MemoryStats => {
    const m = tf.memory();
    const stats: MemoryStats = { peakBytes: m.numBytes, residentBytes: m.numBytes, numTensors: m.numTensors };
    for (const cb of callbacks) Object.assign(stats, cb.memory?.() ?? {});
    return stats;
  };

  const trainer: Trainer = {
    get step() {
      return step;
    },
    evaluate: (split, e = {}) => evaluateModel(o.model, o.dataset, loss, { split, ...e }),
    async fit(f) {
      if (!Number.isInteger(f.epochs) || f.epochs < 1) throw new FblError('INVALID_OPTION', `epochs must be a positive integer, got ${f.epochs}`);
      const n = Math.min(o.dataset.size('train'), f.limit ?? Infinity);
      const batchesInEpoch = Math.ceil(n / f.batchSize);
      const results: EpochEndEvent[] = [];
      const from = o.start ?? { epoch: 1, batchInEpoch: 0, step, lossSum: 0, seen: 0 };
      for (let epoch = from.epoch; epoch <= f.epochs; epoch++) {
        const start = now();
        const resumed = epoch === from.epoch;
        let lossSum = resumed ? from.lossSum : 0;
        let seen = resumed ? from.seen : 0;
        let batchInEpoch = resumed ? from.batchInEpoch : 0;
        // This process's share of the epoch: its speed, and whether it trained anything at all.
        let trainedHere = 0;
        let skippedHere = 0;
        let lastSkip = { step: 0, reason: '' };
        const pending: PendingStep[] = [];
        const it = o.dataset.batches({
          split: 'train', batchSize: f.batchSize, limit: f.limit, skipBatches: batchInEpoch,
          shuffle: f.shuffle ?? true, seed: deriveSeed(o.seed ?? 0, 'epoch', epoch),
        });
        // Reads the pending steps' losses in one go, then judges and reports them in order.
        // `undo` is the snapshot before the one pending step (skip-batch reads every step).
        const settle = async (undo?: StepUndo) => {
          const steps = pending.splice(0);
          if (!steps.length) return;
          const all = tf.stack(steps.map((p) => p.health));
          const data = await all.data();
          tf.dispose([all, ...steps.map((p) => p.health)]);
          const elapsed = Math.max(1e-9, (now() - steps[0]!.t0) / 1000);
          const rate = steps.reduce((n, p) => n + p.size, 0) / elapsed;
          for (const [k, p] of steps.entries()) {
            const value = data[2 * k]!;
            const bad = !Number.isFinite(value) ? `loss became ${value}` : !Number.isFinite(data[2 * k + 1]!) ? 'a weight became NaN or Inf' : undefined;
            if (bad && !undo) throw diverged(bad, p.epoch, p.step);
            if (bad) {
              undo!.restore();
              if (++skipsInARow > (o.maxConsecutiveSkips ?? 10)) throw diverged(`${bad} on ${skipsInARow} batches in a row`, p.epoch, p.step);
              skippedHere++;
              lastSkip = { step: p.step, reason: bad };
              for (const cb of callbacks) await cb.onBatchSkipped?.({ epoch: p.epoch, step: p.step, reason: bad });
            } else {
              skipsInARow = 0;
              const exploded = explosion?.observe(value);
              if (exploded) throw diverged(exploded, p.epoch, p.step, explosionFix);
              lossSum += value * p.size;
              seen += p.size;
              trainedHere += p.size;
            }
            const ev: BatchEndEvent = {
              type: 'batchEnd', epoch: p.epoch, step: p.step + 1, batchInEpoch: batchInEpoch - (steps.length - 1 - k),
              batchesInEpoch, loss: value, samplesPerSec: rate,
            };
            for (const cb of callbacks) await cb.onBatchEnd?.(ev);
          }
        };
        try {
          for await (const batch of it) {
            const t0 = now();
            let undo: StepUndo | undefined;
            try {
              if (policy === 'skip-batch') undo = snapshotForUndo(params, o.optimizer);
              const value = await wrapped(() => stepSync(o.rule, o.model, batch, o.optimizer, { loss, step, mark }), { epoch, step });
              const health = tf.tidy(() => tf.stack([value, finiteProbe(params)]));
              value.dispose();
              pending.push({ health, epoch, step, size: batch.size, t0 });
              step++;
              batchInEpoch++;
              if (pending.length >= readEvery) await settle(undo);
            } finally {
              undo?.dispose();
              tf.dispose([batch.x, batch.y]);
            }
            if (o.checkpoint?.every && step % o.checkpoint.every === 0) {
              await settle();
              await save({ epoch, batchInEpoch, step, lossSum, seen });
            }
          }
          await settle();
        } finally {
          tf.dispose(pending.splice(0).map((p) => p.health));
        }
        // Fewer than maxConsecutiveSkips batches, all skipped: no loss to report, and no epoch to count.
        if (skippedHere && !trainedHere) {
          throw diverged(`the epoch trained nothing: all ${skippedHere} of its batches${resumed && from.batchInEpoch ? ' since the resume' : ''} were skipped (the last: ${lastSkip.reason})`, epoch, lastSkip.step, explosionFix);
        }
        const seconds = (now() - start) / 1000;
        const train = await trainer.evaluate('train', { limit: Math.min(n, f.trainEvalLimit ?? 10_000) });
        const test = await trainer.evaluate('test', { limit: f.testEvalLimit });
        const ev: EpochEndEvent = {
          type: 'epochEnd', epoch, step, loss: lossSum / Math.max(1, seen),
          trainAccuracy: train.accuracy, testAccuracy: test.accuracy,
          samplesPerSec: trainedHere / Math.max(1e-9, seconds), seconds, memory: memory(),
          ...(resumed && from.batchInEpoch ? { resumedAt: from.step } : {}),
        };
        results.push(ev);
        for (const cb of callbacks) await cb.onEpochEnd?.(ev);
        await save({ epoch: epoch + 1, batchInEpoch: 0, step, lossSum: 0, seen: 0 });
      }
      return results;
    },
  };
  return trainer;
}

function syncOnly(v: tf.Scalar | Promise<tf.Scalar>): tf.Scalar {
  if (!(v instanceof tf.Tensor)) throw new FblError('INVALID_OPTION', 'only the outermost callback may wrap a step asynchronously');
  return v;
}
