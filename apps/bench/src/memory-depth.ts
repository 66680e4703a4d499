import * as tf from '@tensorflow/tfjs-core';
import { buildModel, createOptimizer, runStep, softmaxCrossEntropy, type Batch, type LearningRule, type Model, type ModelSpec, type Optimizer } from '@feedback-lab/core';
import { RULES } from '@feedback-lab/rules';
import { predictMemory, profileStep, type StepProfile } from '@feedback-lab/profiler';
import type { SeededRule } from './runners';

/** One measurement: a rule on a stack of `depth` hidden blocks (dense of `width` units, or conv). */
export interface MemoryDepthRow {
  event: 'memory';
  rule: string;
  /** `mlp`: width → depth × width → classes; `conv`: depth 3×3 same-padded conv blocks, then dense. */
  kind: DepthModelKind;
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
  /**
   * What a user pays: the wasm heap after one warm-up and one measured step of this rule and
   * depth alone, in a fresh process (the heap never shrinks, so this is its high-water mark).
   */
  heapBytes?: number;
  /** Peak tensor buffer bytes (resident + transient) in that fresh process. */
  freshPeakBytes?: number;
}

export type DepthModelKind = 'mlp' | 'conv';

/** What a fresh process measured for one (rule, model). */
export interface FreshMeasure {
  heapBytes?: number;
  peakBytes: number;
}

/**
 * The benchmark's model at one depth. `mlp`: input `width`, `depth` tanh blocks of `width` units,
 * `classes` logits. `conv`: input 16×16×`width` (`width` = channels), `depth` 3×3 same-padded tanh
 * conv blocks of `width` filters (so every block's activation is the same size, like the MLP's),
 * then a dense layer to `classes`.
 */
export function depthSpec(kind: DepthModelKind, width: number, depth: number, classes = 10): ModelSpec {
  if (kind === 'conv') {
    return {
      input: [CONV_SIDE, CONV_SIDE, width],
      layers: [
        ...Array.from({ length: depth }, () => ({ type: 'conv2d' as const, filters: width, kernel: 3, padding: 'same' as const, activation: 'tanh' as const })),
        { type: 'dense' as const, units: classes },
      ],
    };
  }
  return { input: [width], layers: [...Array<number>(depth).fill(width), classes].map((units, i) => ({ type: 'dense' as const, units, ...(i < depth ? { activation: 'tanh' as const } : {}) })) };
}

const CONV_SIDE = 16;

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
  /** Model family (default `mlp`). */
  kind?: DepthModelKind;
  /**
   * Measures one (rule, spec) in a fresh process, for the heap a user pays (this process's heap
   * is the high-water mark of everything run before). Without it rows carry no heap figure.
   */
  fresh?: (rule: string, spec: ModelSpec, batchSize: number) => Promise<FreshMeasure>;
}

/**
 * Measures, for each rule and depth, one step's peak transient tensor bytes (profiled, distinct
 * buffers), the resident bytes, the model's prediction, the median step time and, with `fresh`,
 * the wasm heap of that rule and depth alone in a fresh process, on {@link depthSpec}'s model
 * with momentum, fed a fixed random batch (memory does not depend on the data). This is the
 * paper's memory-vs-depth experiment (Chu et al. 2020), plus a conv variant.
 *
 * @example
 * const rows = await memoryDepth({ rules: { bp, 'mem-dfa': memDfa }, width: 256, depths: [2, 20], batchSize: 128 });
 */
export async function memoryDepth(o: MemoryDepthOptions): Promise<MemoryDepthRow[]> {
  const classes = o.classes ?? 10;
  const now = o.now ?? (() => performance.now());
  const seed = o.seed ?? 1;
  const kind = o.kind ?? 'mlp';
  const rows: MemoryDepthRow[] = [];
  const input = depthSpec(kind, o.width, 1, classes).input;
  const batch = randomBatch(o.batchSize, input, classes, seed);
  try {
    // Depth by depth, all rules side by side: the timed steps alternate between the rules in
    // rounds, so a change in machine load hits every rule alike and the ratios stay fair.
    for (const depth of o.depths) {
      const spec = depthSpec(kind, o.width, depth, classes);
      // Each rule is built and profiled before the next is built, so its resident bytes are
      // its own; then all stay alive for the interleaved timing.
      const setups: Setup[] = [];
      try {
        for (const [name, factory] of Object.entries(o.rules)) {
          const baselineBytes = tf.memory().numBytes;
          const s: Setup = { name, model: buildModel(spec, { inputShape: spec.input, numClasses: classes, seed }), rule: factory({ seed }), optimizer: createOptimizer({ name: 'momentum', lr: 0.001 }), times: [] };
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
        for (const s of setups) {
          const p = s.profile!;
          const modelled = RULES.find((r) => r.name === s.name);
          const predicted = modelled && predictMemory({ spec, batchSize: o.batchSize, rule: modelled, optimizer: 'momentum' });
          const fresh = await o.fresh?.(s.name, spec, o.batchSize);
          const row: MemoryDepthRow = {
            event: 'memory', rule: s.name, kind, depth, width: o.width, batchSize: o.batchSize,
            peakTransientBytes: p.peakTransientBytes,
            residentBytes: p.resident.total - p.resident.batch,
            predictedPeakTransientBytes: predicted ? predicted.peakTransientBytes : null,
            predictedResidentBytes: predicted ? predicted.resident.total - predicted.resident.batch : null,
            stepMs: Math.round(median(s.times) * 100) / 100,
            ...(fresh?.heapBytes !== undefined ? { heapBytes: fresh.heapBytes } : {}),
            ...(fresh ? { freshPeakBytes: fresh.peakBytes } : {}),
          };
          rows.push(row);
          o.onRow?.(row);
        }
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

function randomBatch(size: number, shape: readonly number[], classes: number, seed: number): Batch {
  const labels = Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) % classes);
  return {
    x: tf.randomUniform([size, ...shape], 0, 1, 'float32', seed),
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
