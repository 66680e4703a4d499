import * as tf from '@tensorflow/tfjs-core';
import { mlp, softmaxCrossEntropy, type Batch, type LearningRule } from '@feedback-lab/core';
import { predictMemory, profileStep } from '@feedback-lab/profiler';

/** One measurement: a rule on an MLP of `depth` hidden blocks of `width` units. */
export interface MemoryDepthRow {
  event: 'memory';
  rule: string;
  depth: number;
  width: number;
  batchSize: number;
  peakTransientBytes: number;
  residentBytes: number;
  predictedPeakTransientBytes: number;
  predictedResidentBytes: number;
  /** Median wall time of an unprofiled step. */
  stepMs: number;
  wasmHeapBytes?: number;
}

export interface MemoryDepthOptions {
  /** Rule factories by name; each gets `{ seed }`. */
  rules: Record<string, (o: { seed: number }) => LearningRule>;
  width: number;
  depths: readonly number[];
  batchSize: number;
  /** Timed steps per measurement (default 5); the median is reported. */
  timedSteps?: number;
  seed?: number;
  classes?: number;
  onRow?: (row: MemoryDepthRow) => void;
  now?: () => number;
}

/**
 * Measures, for each rule and depth, one step's peak transient tensor bytes (profiled), the
 * resident bytes, the model's prediction and the median step time, on an MLP
 * width → depth × width → classes with tanh and momentum, fed a fixed random batch (memory does
 * not depend on the data). This is the paper's memory-vs-depth experiment (Chu et al. 2020).
 *
 * @example
 * const rows = await memoryDepth({ rules: { bp, 'mem-dfa': memDfa }, width: 256, depths: [2, 20], batchSize: 128 });
 */
export async function memoryDepth(o: MemoryDepthOptions): Promise<MemoryDepthRow[]> {
  const classes = o.classes ?? 10;
  const now = o.now ?? (() => performance.now());
  const rows: MemoryDepthRow[] = [];
  const batch = randomBatch(o.batchSize, o.width, classes, o.seed ?? 1);
  try {
    for (const [name, factory] of Object.entries(o.rules)) {
      for (const depth of o.depths) {
        const arch = [o.width, ...Array<number>(depth).fill(o.width), classes];
        const model = mlp({ arch, activation: 'tanh', seed: o.seed ?? 1 });
        const rule = factory({ seed: o.seed ?? 1 });
        const optimizer = tf.train.momentum(0.001, 0.9);
        try {
          const p = await profileStep({ model, rule, optimizer, batch, loss: softmaxCrossEntropy });
          const times: number[] = [];
          for (let s = 0; s < (o.timedSteps ?? 5); s++) {
            const t0 = now();
            rule.step(model, batch, optimizer, { loss: softmaxCrossEntropy, step: s + 2 });
            times.push(now() - t0);
          }
          const predicted = predictMemory({ arch, batchSize: o.batchSize, rule: name, optimizer: 'momentum' });
          const row: MemoryDepthRow = {
            event: 'memory', rule: name, depth, width: o.width, batchSize: o.batchSize,
            peakTransientBytes: p.peakTransientBytes,
            residentBytes: p.resident.total - p.resident.batch,
            predictedPeakTransientBytes: predicted.peakTransientBytes,
            predictedResidentBytes: predicted.resident.total - predicted.resident.batch,
            stepMs: Math.round(median(times) * 100) / 100,
            ...(p.wasmHeapBytes !== undefined ? { wasmHeapBytes: p.wasmHeapBytes } : {}),
          };
          rows.push(row);
          o.onRow?.(row);
        } finally {
          rule.dispose();
          optimizer.dispose();
          model.dispose();
        }
      }
    }
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
  return rows;
}

function randomBatch(size: number, dim: number, classes: number, seed: number): Batch {
  const labels = Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) % classes);
  return {
    x: tf.randomUniform([size, dim], 0, 1, 'float32', seed),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes).toFloat()),
    labels,
    size,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
