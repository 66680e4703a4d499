import * as tf from '@tensorflow/tfjs-core';
import { buildModel, createOptimizer, presetSpec, softmaxCrossEntropy, type ModelSpec, type LearningRule, type RuleDescriptor } from '@feedback-lab/core';
import { predictMemory, profileStep } from '@feedback-lab/profiler';
import { depthSpec } from './memory-depth';

/** One profiled step to fit a rule's memory formula to. */
export interface FitCase {
  name: string;
  spec: ModelSpec;
  batch: number;
}

/** A fit case with its measured peak transient bytes (distinct buffers). */
export interface FitRow extends FitCase {
  measured: number;
}

export interface MemoryFit {
  coefficients: [number, number, number, number, number, number];
  /** predicted / measured − 1 per row, in the rows' order. */
  errors: number[];
  /** The largest |error|. */
  worst: number;
}

const tanhMlp = (widths: readonly number[]): ModelSpec => ({
  input: [widths[0]!],
  layers: widths.slice(1).map((units, i, all) => ({ type: 'dense', units, ...(i < all.length - 1 ? { activation: 'tanh' as const } : {}) })),
});

/**
 * The steps the memory formulas are fitted to: tanh MLPs of widths 64/128/256 × depths
 * 1/2/4/6 × batch 32/128/1024, six irregular MLPs, mnist-conv and cifar-conv at batch
 * 32/64/128, small conv nets (same/valid padding, stride 2, max/avg/no pooling) at 32 and 96,
 * and the memory-depth bench's conv stack (depth 2 and 8, batch 64).
 */
export function memoryFitCases(): FitCase[] {
  const cases: FitCase[] = [];
  for (const w of [64, 128, 256]) {
    for (const depth of [1, 2, 4, 6]) {
      for (const batch of [32, 128, 1024]) cases.push({ name: `mlp ${w}×${depth}`, spec: tanhMlp([w, ...Array<number>(depth).fill(w), 10]), batch });
    }
  }
  const irregular = [[96, ...Array<number>(7).fill(96), 10], [160, 160, 160, 160, 10], [100, ...Array<number>(10).fill(100), 10], [300, 300, 300, 10], [64, 32, 512, 512, 10], [784, 256, 1024, 1024, 10]];
  for (const widths of irregular) for (const batch of [32, 128]) cases.push({ name: `mlp ${widths.join('-')}`, spec: tanhMlp(widths), batch });
  for (const preset of ['mnist-conv', 'cifar-conv']) for (const batch of [32, 64, 128]) cases.push({ name: preset, spec: presetSpec(preset), batch });
  const small: [string, ModelSpec][] = [
    ['conv max2 same', { input: [12, 12, 2], layers: [{ type: 'conv2d', filters: 4, kernel: 3, padding: 'same', pool: { type: 'max', size: 2 } }, { type: 'dense', units: 10 }] }],
    ['conv stride2 max3', { input: [16, 16, 3], layers: [{ type: 'conv2d', filters: 8, kernel: 3, stride: 2, pool: { type: 'max', size: 3, stride: 2, padding: 'same' } }, { type: 'conv2d', filters: 6, kernel: 3, padding: 'same' }, { type: 'dense', units: 10 }] }],
    ['conv avg2 valid', { input: [10, 10, 1], layers: [{ type: 'conv2d', filters: 6, kernel: 5, pool: { type: 'avg', size: 2 } }, { type: 'dense', units: 10 }] }],
    ['conv ×3 no pool', { input: [8, 8, 3], layers: [...[1, 2, 3].map(() => ({ type: 'conv2d' as const, filters: 8, kernel: 3, padding: 'same' as const, activation: 'relu' as const })), { type: 'dense', units: 10 }] }],
  ];
  for (const [name, spec] of small) for (const batch of [32, 96]) cases.push({ name, spec, batch });
  // the memory-depth bench's conv stack: tanh 3×3 same convs on 16×16×16, no pooling
  for (const depth of [2, 8]) cases.push({ name: `conv stack 16×${depth}`, spec: depthSpec('conv', 16, depth), batch: 64 });
  return cases;
}

/** Profiles one momentum step of `create`'s rule on a case (fresh model, seeded batch) and returns its peak transient bytes. */
export async function measureFitCase(create: (o: { seed: number }) => LearningRule, c: FitCase, seed = 1): Promise<number> {
  const model = buildModel(c.spec, { inputShape: c.spec.input, numClasses: 10, seed });
  const rule = create({ seed });
  const optimizer = createOptimizer({ name: 'momentum', lr: 0.01 });
  const x = tf.randomUniform([c.batch, ...c.spec.input], 0, 1, 'float32', seed);
  const labels = Uint8Array.from({ length: c.batch }, (_, i) => i % 10);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), 10), 'float32'));
  try {
    const p = await profileStep({ model, rule, optimizer, batch: { x, y, labels, size: c.batch }, loss: softmaxCrossEntropy });
    return p.peakTransientBytes;
  } finally {
    tf.dispose([x, y]);
    rule.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

type Memory = RuleDescriptor['memory'];
type Coefficients = MemoryFit['coefficients'];

const predicted = (memory: Memory, coefficients: readonly number[], r: FitRow) =>
  predictMemory({ spec: r.spec, batchSize: r.batch, rule: { name: 'fit', memory: { ...memory, coefficients: coefficients as Coefficients } } }).peakTransientBytes;

function errorsOf(memory: Memory, coefficients: readonly number[], rows: readonly FitRow[]): number[] {
  return rows.map((r) => predicted(memory, coefficients, r) / r.measured - 1);
}

/**
 * Non-negative least squares by cyclic coordinate descent on the normal equations: min ‖A·x − b‖²
 * subject to x ≥ 0, for the handful of columns a memory formula has.
 */
export function nnls(a: readonly (readonly number[])[], b: readonly number[], sweeps = 2000): number[] {
  const n = a[0]?.length ?? 0;
  const h = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => a.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  const g = Array.from({ length: n }, (_, i) => a.reduce((s, row, k) => s + row[i]! * b[k]!, 0));
  const x = new Array<number>(n).fill(0);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let moved = 0;
    for (let i = 0; i < n; i++) {
      if (h[i]![i]! <= 0) continue;
      const grad = h[i]!.reduce((s, hij, j) => s + hij * x[j]!, 0) - g[i]!;
      const next = Math.max(0, x[i]! - grad / h[i]![i]!);
      moved = Math.max(moved, Math.abs(next - x[i]!));
      x[i] = next;
    }
    if (moved < 1e-12) break;
  }
  return x;
}

/**
 * Refits a rule's six memory coefficients [a, b, ℓ, c, d, s] to measured rows, coefficients ≥ 0,
 * aiming at the smallest worst relative error. The formula is a maximum over blocks (piecewise
 * linear in the coefficients), so each round linearises it at the current coefficients (which
 * block peaks where) and solves a weighted least squares on the relative errors; the weights
 * then grow where the error is large (Lawson's reweighting towards the minimax fit). The
 * coefficients with the smallest worst error seen, over the rule's own coefficients and `starts`
 * as starting points, are returned. The formula's batch-norm terms
 * and structure stay as they are.
 */
export function fitMemoryCoefficients(memory: Memory, rows: readonly FitRow[], starts: readonly (readonly number[])[] = [], rounds = 60): MemoryFit {
  // The problem is not convex (the maximum picks a block), so each start may settle elsewhere.
  let best = { theta: [...memory.coefficients], worst: Infinity };
  for (const start of [memory.coefficients, ...starts]) {
    const fit = fitFrom(memory, rows, start, rounds);
    if (fit.worst < best.worst) best = fit;
  }
  const errors = errorsOf(memory, best.theta, rows);
  return { coefficients: best.theta as Coefficients, errors, worst: best.worst };
}

function fitFrom(memory: Memory, rows: readonly FitRow[], start: readonly number[], rounds: number): { theta: number[]; worst: number } {
  let theta: number[] = [...start];
  const worstOf = (t: readonly number[]) => Math.max(...errorsOf(memory, t, rows).map(Math.abs));
  let best = { theta, worst: worstOf(theta) };
  let weights = rows.map(() => 1 / rows.length);
  for (let round = 0; round < rounds; round++) {
    const step = 0.01;
    const base = rows.map((r) => predicted(memory, theta, r));
    // slope of each prediction in each coefficient (exact away from the kinks)
    const slopes = rows.map((r, k) => theta.map((_, i) => {
      const up = [...theta];
      up[i] = theta[i]! + step;
      return (predicted(memory, up, r) - base[k]!) / step;
    }));
    const w = weights.map(Math.sqrt);
    const a = slopes.map((s, k) => s.map((v) => (w[k]! * v) / rows[k]!.measured));
    const b = rows.map((r, k) => w[k]! * (1 - (base[k]! - slopes[k]!.reduce((s, v, i) => s + v * theta[i]!, 0)) / r.measured));
    theta = nnls(a, b).map((v) => Math.round(v * 1000) / 1000);
    const errors = errorsOf(memory, theta, rows);
    const worst = Math.max(...errors.map(Math.abs));
    if (worst < best.worst) best = { theta, worst };
    // Lawson: weight ∝ weight · |error|, renormalised
    weights = weights.map((v, k) => v * Math.max(Math.abs(errors[k]!), 1e-6));
    const total = weights.reduce((s, v) => s + v, 0);
    weights = weights.map((v) => v / total);
  }
  return best;
}

/** predicted / measured − 1 of a rule's current formula on measured rows, and the worst. */
export function memoryFitErrors(memory: Memory, rows: readonly FitRow[]): { errors: number[]; worst: number } {
  const errors = errorsOf(memory, memory.coefficients, rows);
  return { errors, worst: Math.max(...errors.map(Math.abs)) };
}
