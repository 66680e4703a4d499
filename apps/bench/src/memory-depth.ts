import * as tf from '@tensorflow/tfjs-core';
import { createOptimizer, mlp, runStep, softmaxCrossEntropy, type Batch, type LearningRule, type Model, type Optimizer } from '@feedback-lab/core';
import { RULES } from '@feedback-lab/rules';
import { predictMemory, profileStep, type StepProfile } from '@feedback-lab/profiler';
import type { SeededRule } from './runners';

/** One measurement: a rule on an MLP of `depth` hidden blocks of `width` units. */
export interface MemoryDepthRow {
  event: 'memory';
  rule: string;
  depth: number;
  width: number;
  batchSize: number;
  peakTransientBytes: number;
  residentBytes: number;
  /** The memory model's figures; null for rules it does not model (measured only). */
  predictedPeakTransientBytes: number | null;
  predictedResidentBytes: number | null;
  /** Median wall time of an unprofiled step. */
  stepMs: number;
  wasmHeapBytes?: number;
}

export interface MemoryDepthOptions {
  /** Rule factories by name; each gets `{ seed }`. */
  rules: Record<string, SeededRule>;
  width: number;
  depths: readonly number[];
  batchSize: number;
  /** Timed steps per measurement (default 5), interleaved across rules; the median is reported. */
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
  const seed = o.seed ?? 1;
  const rows: MemoryDepthRow[] = [];
  const batch = randomBatch(o.batchSize, o.width, classes, seed);
  try {
    // Depth by depth, all rules side by side: the timed steps alternate between the rules in
    // rounds, so a change in machine load hits every rule alike and the ratios stay fair.
    for (const depth of o.depths) {
      const arch = [o.width, ...Array<number>(depth).fill(o.width), classes];
      // Each rule is built and profiled before the next is built, so its resident bytes are
      // its own; then all stay alive for the interleaved timing.
      const setups: Setup[] = [];
      try {
        for (const [name, factory] of Object.entries(o.rules)) {
          const baselineBytes = tf.memory().numBytes;
          const s: Setup = { name, model: mlp({ arch, activation: 'tanh', seed }), rule: factory({ seed }), optimizer: createOptimizer({ name: 'momentum', lr: 0.001 }), times: [] };
          setups.push(s);
          s.profile = await profileStep({ model: s.model, rule: s.rule, optimizer: s.optimizer, batch, loss: softmaxCrossEntropy, baselineBytes });
        }
        for (let round = 0; round < (o.timedSteps ?? 5); round++) {
          for (const s of setups) {
            const t0 = now();
            await runStep(s.rule, s.model, batch, s.optimizer, { loss: softmaxCrossEntropy, step: round + 2 });
            s.times.push(now() - t0);
          }
        }
        setups.forEach((s) => {
          const p = s.profile!;
          const modelled = RULES.find((r) => r.name === s.name);
          const predicted = modelled && predictMemory({ arch, batchSize: o.batchSize, rule: modelled, optimizer: 'momentum' });
          const row: MemoryDepthRow = {
            event: 'memory', rule: s.name, depth, width: o.width, batchSize: o.batchSize,
            peakTransientBytes: p.peakTransientBytes,
            residentBytes: p.resident.total - p.resident.batch,
            predictedPeakTransientBytes: predicted ? predicted.peakTransientBytes : null,
            predictedResidentBytes: predicted ? predicted.resident.total - predicted.resident.batch : null,
            stepMs: Math.round(median(s.times) * 100) / 100,
            ...(p.wasmHeapBytes !== undefined ? { wasmHeapBytes: p.wasmHeapBytes } : {}),
          };
          rows.push(row);
          o.onRow?.(row);
        });
      } finally {
        for (const s of setups) {
          s.rule.dispose();
          s.optimizer.dispose();
          s.model.dispose();
        }
      }
    }
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
  return rows;
}

interface Setup {
  name: string;
  model: Model;
  rule: LearningRule;
  optimizer: Optimizer;
  times: number[];
  profile?: StepProfile;
}

function randomBatch(size: number, dim: number, classes: number, seed: number): Batch {
  const labels = Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) % classes);
  return {
    x: tf.randomUniform([size, dim], 0, 1, 'float32', seed),
    y: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes), 'float32')),
    labels,
    size,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
