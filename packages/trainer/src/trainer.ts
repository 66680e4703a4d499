import * as tf from '@tensorflow/tfjs-core';
import {
  FblError, deriveSeed, modelVariables, softmaxCrossEntropy,
  type BatchEndEvent, type Dataset, type EpochEndEvent, type LearningRule, type Loss, type MemoryStats, type Model,
  type TrainerCallback,
} from '@feedback-lab/core';
import { allFinite, explosionGuard, snapshotForUndo, type DivergePolicy, type ExplosionOptions, type StepUndo } from './divergence';
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
  optimizer: tf.Optimizer;
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
  // with batch-norm running statistics, so a skipped batch undoes their update too
  const params = modelVariables(o.model);
  let lastCheckpoint: { where: string; step: number } | undefined;
  let skipsInARow = 0;
  const explosion = o.explosion === false ? undefined : explosionGuard(o.explosion);
  const diverged = (what: string, epoch: number, fix = 'lower the learning rate') => {
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

  const wrapped = (run: () => number, info: { epoch: number; step: number }) =>
    callbacks.reduce<() => number | Promise<number>>(
      (inner, cb) => (cb.wrapStep ? () => cb.wrapStep!(() => syncOnly(inner()), info) : inner),
      run,
    )();

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
        const it = o.dataset.batches({
          split: 'train', batchSize: f.batchSize, limit: f.limit, skipBatches: batchInEpoch,
          shuffle: f.shuffle ?? true, seed: deriveSeed(o.seed ?? 0, 'epoch', epoch),
        });
        for await (const batch of it) {
          const t0 = now();
          let value: number;
          let undo: StepUndo | undefined;
          try {
            if (policy === 'skip-batch') undo = await snapshotForUndo(params, o.optimizer);
            value = await wrapped(() => o.rule.step(o.model, batch, o.optimizer, { loss, step }), { epoch, step });
            const bad = !Number.isFinite(value) ? `loss became ${value}` : !allFinite(params) ? 'a weight became NaN or Inf' : undefined;
            if (bad && !undo) throw diverged(bad, epoch);
            if (bad) {
              await undo!.restore();
              if (++skipsInARow > (o.maxConsecutiveSkips ?? 10)) throw diverged(`${bad} on ${skipsInARow} batches in a row`, epoch);
              for (const cb of callbacks) await cb.onBatchSkipped?.({ epoch, step, reason: bad });
            } else {
              skipsInARow = 0;
              const exploded = explosion?.observe(value);
              if (exploded) throw diverged(exploded, epoch, explosionFix);
            }
          } finally {
            undo?.dispose();
            tf.dispose([batch.x, batch.y]);
          }
          step++;
          batchInEpoch++;
          if (skipsInARow === 0) {
            lossSum += value * batch.size;
            seen += batch.size;
          }
          const ev: BatchEndEvent = {
            type: 'batchEnd', epoch, step, batchInEpoch, batchesInEpoch, loss: value,
            samplesPerSec: batch.size / Math.max(1e-9, (now() - t0) / 1000),
          };
          for (const cb of callbacks) await cb.onBatchEnd?.(ev);
          if (o.checkpoint?.every && step % o.checkpoint.every === 0) await save({ epoch, batchInEpoch, step, lossSum, seen });
        }
        const seconds = (now() - start) / 1000;
        const train = await trainer.evaluate('train', { limit: Math.min(n, f.trainEvalLimit ?? 10_000) });
        const test = await trainer.evaluate('test', { limit: f.testEvalLimit });
        const ev: EpochEndEvent = {
          type: 'epochEnd', epoch, step, loss: lossSum / Math.max(1, seen),
          trainAccuracy: train.accuracy, testAccuracy: test.accuracy,
          samplesPerSec: seen / Math.max(1e-9, seconds), seconds, memory: memory(),
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

function syncOnly(v: number | Promise<number>): number {
  if (typeof v !== 'number') throw new FblError('INVALID_OPTION', 'only the outermost callback may wrap a step asynchronously');
  return v;
}
