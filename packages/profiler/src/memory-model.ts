import { FblError } from '@feedback-lab/core';

export type ModelledRule = 'bp' | 'fa' | 'dfa' | 'mem-dfa';
export const MODELLED_RULES: readonly ModelledRule[] = ['bp', 'fa', 'dfa', 'mem-dfa'];

export interface MemoryModelInput {
  /** MLP widths, input first, classes last. */
  arch: readonly number[];
  batchSize: number;
  rule: string;
  optimizer?: 'sgd' | 'momentum' | 'adam';
  /** Feedback storage for dfa/mem-dfa (default stored). */
  feedback?: 'stored' | 'regenerate';
}

export interface MemoryPrediction {
  resident: { weights: number; optimizer: number; feedback: number; batch: number; total: number };
  peakTransientBytes: number;
  /** resident.total + peakTransientBytes. */
  peakBytes: number;
}

// Floats per block for the depth-dependent part, counted from tf.profile timelines on tfjs
// 4.22 (X = B·n_in, A = B·n_out, P = n_in·n_out + n_out). BP keeps every block's forward tape
// (outputs of matMul, add and tanh, plus the tape's saved clones) and every gradient until the
// single update; DFA's one-pass tape also holds each block's signal B_i·e and its saved
// inputs; FA keeps each block's input and pre-activation on the way down, then accumulates
// gradients on the way up; MEM-DFA holds none of it across blocks.
const PER_BLOCK: Record<ModelledRule, (B: number, nIn: number, nOut: number, classes: number) => number> = {
  bp: (B, i, o) => 3 * B * i + 3 * B * o + 2 * (i * o + o),
  dfa: (B, i, o, c) => 6 * B * i + 6 * B * o + 2 * (i * o + o) + c * o + B * c,
  fa: () => 0, // two regimes, see below
  'mem-dfa': () => 0,
};

// The depth-independent part: one block's working set, max of its backward (α·(X+A) + β·P)
// and its optimizer update (γ·P), plus δ·B·classes for the loss. Fitted by least squares on
// 48 profiled steps (widths 64/256, batch 32/128, depths 1–6; momentum) and checked on 64 others
// (widths 100–300, depths 2–20): within 7% everywhere except batch 32 with 1–4 blocks (≤ 19%).
const BASE: Record<ModelledRule, [alpha: number, beta: number, gamma: number, delta: number]> = {
  bp: [3.75, 2.25, 4, 17],
  fa: [7.5, 2.75, 5, -1.25],
  dfa: [6.5, 2.5, 4.25, 24.25],
  'mem-dfa': [7.5, 2, 5.25, -0.25],
};

const F32 = 4;

/**
 * Predicts the resident and peak transient tensor bytes (engine `numBytes`) of one training
 * step of an MLP, from its widths, the batch size, the rule and the optimizer, without
 * allocating anything. Used for measured-vs-predicted reports and the memory-budget guard.
 *
 * @example
 * predictMemory({ arch: [256, ...Array(100).fill(256), 10], batchSize: 128, rule: 'mem-dfa' });
 */
export function predictMemory(o: MemoryModelInput): MemoryPrediction {
  const rule = o.rule as ModelledRule;
  if (!MODELLED_RULES.includes(rule)) {
    throw new FblError('INVALID_OPTION', `no memory model for rule "${o.rule}" (modelled: ${MODELLED_RULES.join(', ')})`);
  }
  const { arch, batchSize: B } = o;
  const classes = arch[arch.length - 1]!;
  const blocks = arch.slice(1).map((n, i) => [arch[i]!, n] as const);
  const params = blocks.map(([i, n]) => i * n + n);
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const weights = sum(params);
  const slots = { sgd: 0, momentum: 1, adam: 2 }[o.optimizer ?? 'momentum'];
  const hidden = blocks.slice(0, -1);
  const feedback = rule === 'fa'
    ? sum(blocks.slice(1).map(([i, n]) => i * n))
    : rule === 'bp' || o.feedback === 'regenerate' ? 0 : sum(hidden.map(([, n]) => classes * n));

  const inner = blocks.slice(1, -1);
  const depthPart = rule === 'fa'
    ? Math.max(sum(inner.map(([i, n]) => i * n + n)), sum(inner.map(([i, n]) => B * (i + n))))
    : sum(inner.map(([i, n]) => PER_BLOCK[rule](B, i, n, classes)));
  const [alpha, beta, gamma, delta] = BASE[rule];
  const [i0, n1] = blocks[0]!;
  const p1 = params[0]!;
  const base = Math.max(alpha * B * (i0 + n1) + beta * p1, gamma * p1) + delta * B * classes;
  const peakTransientBytes = Math.max(0, Math.round(depthPart + base)) * F32;
  const resident = {
    weights: weights * F32,
    optimizer: slots * weights * F32,
    feedback: feedback * F32,
    batch: B * (arch[0]! + classes) * F32,
    total: 0,
  };
  resident.total = resident.weights + resident.optimizer + resident.feedback + resident.batch;
  return { resident, peakTransientBytes, peakBytes: resident.total + peakTransientBytes };
}
