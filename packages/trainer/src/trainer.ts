import * as tf from '@tensorflow/tfjs-core';
import {
  FblError, deriveSeed, softmaxCrossEntropy,
  type BatchEndEvent, type Dataset, type EpochEndEvent, type LearningRule, type Loss, type MemoryStats, type Model,
} from '@feedback-lab/core';
import type { TrainerCallback } from './callbacks';
import { evaluateModel, type EvalResult } from './evaluate';

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
}

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
  let step = 0;

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
      for (let epoch = 1; epoch <= f.epochs; epoch++) {
        const start = now();
        let lossSum = 0;
        let seen = 0;
        let batchInEpoch = 0;
        const it = o.dataset.batches({
          split: 'train', batchSize: f.batchSize, limit: f.limit,
          shuffle: f.shuffle ?? true, seed: deriveSeed(o.seed ?? 0, 'epoch', epoch),
        });
        for await (const batch of it) {
          const t0 = now();
          let value: number;
          try {
            value = await wrapped(() => o.rule.step(o.model, batch, o.optimizer, { loss, step }), { epoch, step });
          } finally {
            tf.dispose([batch.x, batch.y]);
          }
          if (!Number.isFinite(value)) {
            throw new FblError('DIVERGED', `loss became ${value} at step ${step} (epoch ${epoch}) with rule ${o.rule.name}; lower the learning rate`);
          }
          step++;
          batchInEpoch++;
          lossSum += value * batch.size;
          seen += batch.size;
          const ev: BatchEndEvent = {
            type: 'batchEnd', epoch, step, batchInEpoch, batchesInEpoch, loss: value,
            samplesPerSec: batch.size / Math.max(1e-9, (now() - t0) / 1000),
          };
          for (const cb of callbacks) await cb.onBatchEnd?.(ev);
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
