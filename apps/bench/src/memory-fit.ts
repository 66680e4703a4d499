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
  /** A block rule's batch-norm slopes as fitted (k of `batchNorm.dense` and `.conv`); a tape rule's stay as they are. */
  batchNorm: RuleDescriptor['memory']['batchNorm'];
  /** predicted / measured − 1 per row, in the rows' order. */
  errors: number[];
  /** The largest |error|. */
  worst: number;
}

const tanhMlp = (widths: readonly number[]): ModelSpec => ({
  input: [widths[0]!],
  layers: widths.slice(1).map((units, i, all) => ({ type: 'dense', units, ...(i < all.length - 1 ? { activation: 'tanh' as const } : {}) })),
});

/** long-fc / long-conv at MNIST's shapes (784 or 28×28×1 in, 10 classes). */
export const longSpec = (preset: string): ModelSpec => presetSpec(preset, { inputShape: preset.startsWith('long-conv') ? [28, 28, 1] : [784], numClasses: 10 });

const LONG_CASES: [string, number][] = [
  ['long-fc-2', 256], ['long-fc-2', 2048], ['long-fc-10', 1024], ['long-fc-30', 2048],
  ['long-conv-2', 64], ['long-conv-2', 512], ['long-conv-10', 256], ['long-conv-30', 256],
];

/**
 * The steps the memory formulas are fitted to: tanh MLPs of widths 64/128/256 × depths
 * 1/2/4/6 × batch 32/128/1024, six irregular MLPs, mnist-conv and cifar-conv at batch
 * 32/64/128, small conv nets (same/valid padding, stride 2, max/avg/no pooling) at 32 and 96,
 * the memory-depth bench's conv stack (depth 2 and 8, batch 64), and long-fc / long-conv (batch
 * norm) at depths 2/10/30 and batches up to 2048.
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
  // deep × large batch, where budget decisions are made: the authors' batch-norm nets on MNIST's
  // shapes, shallow and deep at one batch (a block rule's peak is flat in depth)
  for (const [preset, batch] of LONG_CASES) cases.push({ name: preset, spec: longSpec(preset), batch });
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

/**
 * The numbers a fit moves: the six coefficients, then the batch-norm terms: a block rule's slopes
 * [k_dense, k_conv] (one block's BN working set, k·B·out), a tape rule's [k, c] pairs, dense then
 * conv (B·(k·Σout + c·max out)). `free` marks the signed ones (c: the peak block's own share).
 */
const paramsOf = (m: Memory): number[] => [...m.coefficients, ...(m.schedule === 'block' ? [m.batchNorm.dense[0], m.batchNorm.conv[0]] : [...m.batchNorm.dense, ...m.batchNorm.conv])];
const freeOf = (m: Memory): boolean[] => paramsOf(m).map((_, i) => m.schedule === 'tape' && (i === 7 || i === 9));
const withParams = (m: Memory, t: readonly number[]): Memory => ({
  ...m,
  coefficients: t.slice(0, 6) as unknown as Coefficients,
  batchNorm: m.schedule === 'block' ? { dense: [t[6]!, 0], conv: [t[7]!, 0] } : { dense: [t[6]!, t[7]!], conv: [t[8]!, t[9]!] },
});

const predicted = (memory: Memory, params: readonly number[], r: FitRow) =>
  predictMemory({ spec: r.spec, batchSize: r.batch, rule: { name: 'fit', memory: withParams(memory, params) }, products: 'wasm-gemm' }).peakTransientBytes;

function errorsOf(memory: Memory, params: readonly number[], rows: readonly FitRow[]): number[] {
  return rows.map((r) => predicted(memory, params, r) / r.measured - 1);
}

/**
 * Non-negative least squares by cyclic coordinate descent on the normal equations: min ‖A·x − b‖²
 * subject to x ≥ 0 (but for the columns `free` marks), for the handful of columns a memory
 * formula has.
 */
export function nnls(a: readonly (readonly number[])[], b: readonly number[], sweeps = 2000, free: readonly boolean[] = []): number[] {
  const n = a[0]?.length ?? 0;
  const h = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => a.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  const g = Array.from({ length: n }, (_, i) => a.reduce((s, row, k) => s + row[i]! * b[k]!, 0));
  const x = new Array<number>(n).fill(0);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let moved = 0;
    for (let i = 0; i < n; i++) {
      if (h[i]![i]! <= 0) continue;
      const grad = h[i]!.reduce((s, hij, j) => s + hij * x[j]!, 0) - g[i]!;
      const step = x[i]! - grad / h[i]![i]!;
      const next = free[i] ? step : Math.max(0, step);
      moved = Math.max(moved, Math.abs(next - x[i]!));
      x[i] = next;
    }
    if (moved < 1e-12) break;
  }
  return x;
}

/** The under-prediction a budget check may make: a fit keeps every row within it when it can. */
export const UNDER_LIMIT = 0.05;

/**
 * How good a fit is for a budget check: first that no row is under-predicted by more than
 * `UNDER_LIMIT` (a refused run that would have fitted costs a smaller batch; a run let through
 * that does not fit corrupts the wasm heap), then the smallest worst |error|.
 */
const scoreOf = (errors: readonly number[]) => {
  const under = Math.max(0, ...errors.map((e) => -e));
  const worst = Math.max(...errors.map(Math.abs));
  return under > UNDER_LIMIT ? 1 + under : worst;
};

/**
 * Refits a rule's memory formula to measured rows: its six coefficients [a, b, ℓ, c, d, s] (≥ 0)
 * and its batch-norm terms (a tape rule's c signed). The formula is a maximum over blocks
 * (piecewise linear in its numbers), so each round linearises it at the current numbers (which
 * block peaks where) and solves a weighted least squares on the relative errors, aimed at
 * over-predicting by `bias` (0, 1, 2 … 5 %: the smallest minimax fit is centred on 0 and may
 * under-predict by its whole spread); the weights then grow where the error is large (Lawson's
 * reweighting towards the minimax fit). Of every bias and start (the rule's own numbers and the
 * six-coefficient `starts`), the fit that keeps under-predictions within `UNDER_LIMIT` with the
 * smallest worst |error| is returned (or, when none can, the one that under-predicts least).
 */
export function fitMemoryCoefficients(memory: Memory, rows: readonly FitRow[], starts: readonly (readonly number[])[] = [], rounds = 60): MemoryFit {
  // The problem is not convex (the maximum picks a block), so each start may settle elsewhere.
  const own = paramsOf(memory);
  const distinct = [...new Map([own, ...starts.map((c) => [...c, ...own.slice(6)])].map((t) => [t.join(), t])).values()];
  let best = { theta: own, score: scoreOf(errorsOf(memory, own, rows)) };
  for (const bias of [0, 0.01, 0.02, 0.03, 0.04, 0.05]) {
    for (const start of distinct) {
      const fit = fitFrom(memory, rows, start, rounds, bias);
      if (fit.score < best.score) best = fit;
    }
    if (best.score <= UNDER_LIMIT) break; // every row within ±5 %: a larger bias cannot do better
  }
  const errors = errorsOf(memory, best.theta, rows);
  const fitted = withParams(memory, best.theta);
  return { coefficients: fitted.coefficients as Coefficients, batchNorm: fitted.batchNorm, errors, worst: Math.max(...errors.map(Math.abs)) };
}

function fitFrom(memory: Memory, rows: readonly FitRow[], start: readonly number[], rounds: number, bias: number): { theta: number[]; score: number } {
  let theta: number[] = [...start];
  const free = freeOf(memory);
  let best = { theta, score: scoreOf(errorsOf(memory, theta, rows)) };
  let weights = rows.map(() => 1 / rows.length);
  for (let round = 0; round < rounds; round++) {
    const step = 0.01;
    const base = rows.map((r) => predicted(memory, theta, r));
    // slope of each prediction in each number (exact away from the kinks)
    const slopes = rows.map((r, k) => theta.map((_, i) => {
      const up = [...theta];
      up[i] = theta[i]! + step;
      return (predicted(memory, up, r) - base[k]!) / step;
    }));
    const w = weights.map(Math.sqrt);
    const a = slopes.map((s, k) => s.map((v) => (w[k]! * v) / rows[k]!.measured));
    const b = rows.map((r, k) => w[k]! * (1 + bias - (base[k]! - slopes[k]!.reduce((s, v, i) => s + v * theta[i]!, 0)) / r.measured));
    theta = nnls(a, b, 2000, free).map((v) => Math.round(v * 1000) / 1000);
    const errors = errorsOf(memory, theta, rows);
    const score = scoreOf(errors);
    if (score < best.score) best = { theta, score };
    // Lawson: weight ∝ weight · |error − bias|, renormalised
    weights = weights.map((v, k) => v * Math.max(Math.abs(errors[k]! - bias), 1e-6));
    const total = weights.reduce((s, v) => s + v, 0);
    weights = weights.map((v) => v / total);
  }
  // then the best common scale of its numbers: the reweighting centres on |error − bias|, while
  // the score asks for the least over-prediction that keeps under-predictions within the limit
  for (let k = -40; k <= 40; k++) {
    const theta = best.theta.map((v) => Math.round(v * (1 + k / 400) * 1000) / 1000);
    const score = scoreOf(errorsOf(memory, theta, rows));
    if (score < best.score) best = { theta, score };
  }
  return best;
}

/** The worst error on one side: its value (predicted / measured − 1) and its row's index. */
export interface WorstError {
  error: number;
  row: number;
}

/**
 * predicted / measured − 1 of a rule's current formula on measured rows; the worst |error|, and
 * the worst under-prediction (most negative, or 0 when none under-predicts) and over-prediction
 * apart: a budget check that under-predicts lets a run through that will not fit, one that
 * over-predicts refuses a run that would.
 */
export function memoryFitErrors(memory: Memory, rows: readonly FitRow[]): { errors: number[]; worst: number; under: WorstError; over: WorstError } {
  const errors = errorsOf(memory, paramsOf(memory), rows);
  const under = errors.reduce<WorstError>((w, e, row) => (e < w.error ? { error: e, row } : w), { error: 0, row: -1 });
  const over = errors.reduce<WorstError>((w, e, row) => (e > w.error ? { error: e, row } : w), { error: 0, row: -1 });
  return { errors, worst: Math.max(...errors.map(Math.abs)), under, over };
}
