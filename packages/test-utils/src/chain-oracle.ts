import { expect } from 'vitest';
import type { BackendName, LearningRule } from '@feedback-lab/core';
import { layerDiffs, oneSgdStep } from './one-step';

/** Inputs of `chainOracle`: a tanh MLP, its batch and the feedback of every layer but the first. */
export interface ChainOracleInput {
  /** Layer widths, input first, e.g. [5, 6, 4, 3]. */
  arch: readonly number[];
  /** W_i (row-major [arch[i], arch[i+1]]) and b_i of every layer, in order. */
  weights: readonly { W: Float32Array; b: Float32Array }[];
  /** B_i in place of W_i on the way back (W's shape), for i ≥ 1; index 0 is unused. */
  feedback: readonly (Float32Array | undefined)[];
  x: Float32Array;
  /** One-hot targets, row-major [batch, classes]. */
  y: Float32Array;
  batch: number;
}

/**
 * The update of a rule that backpropagates through B_i in place of W_i (FA, sign-symmetry and
 * its variants), for a tanh MLP with linear logits and mean softmax cross-entropy, written out
 * in plain float64 loops (no tfjs): e = (softmax(a_L) − y)/N, δ_L = e, δ_i = (δ_{i+1}·B_{i+1}ᵀ) ⊙
 * (1 − tanh²(a_i)), ΔW_i = h_{i−1}ᵀ δ_i, Δb_i = Σ_n δ_i. With B_i = W_i it is backprop.
 */
export function chainOracle(o: ChainOracleInput): { dW: Float64Array; db: Float64Array }[] {
  const L = o.weights.length;
  const n = o.batch;
  const h: Float64Array[] = [Float64Array.from(o.x)];
  for (let i = 0; i < L; i++) {
    const [p, q] = [o.arch[i]!, o.arch[i + 1]!];
    const a = new Float64Array(n * q);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < q; c++) {
        let s = o.weights[i]!.b[c]!;
        for (let k = 0; k < p; k++) s += h[i]![r * p + k]! * o.weights[i]!.W[k * q + c]!;
        a[r * q + c] = i === L - 1 ? s : Math.tanh(s);
      }
    }
    h.push(a);
  }
  const k = o.arch[L]!;
  let delta = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const row = h[L]!.subarray(r * k, (r + 1) * k);
    const max = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - max), 0);
    for (let c = 0; c < k; c++) delta[r * k + c] = (Math.exp(row[c]! - max) / z - o.y[r * k + c]!) / n;
  }
  const out: { dW: Float64Array; db: Float64Array }[] = [];
  for (let i = L - 1; i >= 0; i--) {
    const [p, q] = [o.arch[i]!, o.arch[i + 1]!];
    const dW = new Float64Array(p * q);
    const db = new Float64Array(q);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < q; c++) {
        const d = delta[r * q + c]!;
        db[c] = db[c]! + d;
        for (let j = 0; j < p; j++) dW[j * q + c] = dW[j * q + c]! + h[i]![r * p + j]! * d;
      }
    }
    out.unshift({ dW, db });
    if (i === 0) break;
    const B = o.feedback[i]!;
    const below = new Float64Array(n * p);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < p; j++) {
        let s = 0;
        for (let c = 0; c < q; c++) s += delta[r * q + c]! * B[j * q + c]!;
        below[r * p + j] = s * (1 - h[i]![r * p + j]! ** 2);
      }
    }
    delta = below;
  }
  return out;
}

/**
 * Takes one SGD step (lr 1) of `rule` at global step `step` on a seeded tanh MLP of `arch`
 * (`oneSgdStep`) and compares it with `chainOracle` per layer: the largest |ΔW + ΔW_oracle|
 * (weights and bias), the largest |ΔW|, and the tensors left behind. `feedback(W, shape, i,
 * step)` must return the B_i the rule uses for the weights W_i before the step.
 */
export async function compareWithChainOracle(o: {
  rule: LearningRule;
  feedback: (W: Float32Array, shape: readonly [number, number], index: number, step: number) => Float32Array;
  arch: readonly number[];
  backend: BackendName;
  step?: number;
}): Promise<{ diffs: number[]; sizes: number[]; leaked: number }> {
  const step = o.step ?? 0;
  const s = await oneSgdStep({ ...o, activation: 'tanh', batch: 8, step });
  const weights = o.arch.slice(1).map((_, i) => ({ W: s.before[2 * i]!, b: s.before[2 * i + 1]! }));
  const expected = chainOracle({
    arch: o.arch, batch: 8, weights, x: s.x, y: s.y,
    feedback: weights.map((w, i) => (i === 0 ? undefined : o.feedback(w.W, [o.arch[i]!, o.arch[i + 1]!], i, step))),
  });
  return { ...layerDiffs(s, expected.flatMap((g) => [g.dW, g.db])), leaked: s.leaked };
}

/** `compareWithChainOracle`, asserted: every layer within 1e-6 of the oracle, moved by more than 1e-3, no tensor left. */
export async function expectChainOracle(o: Parameters<typeof compareWithChainOracle>[0]): Promise<void> {
  const r = await compareWithChainOracle(o);
  r.diffs.forEach((d, i) => expect(d, `layer ${i}: |update − oracle|`).toBeLessThan(1e-6));
  r.sizes.forEach((d, i) => expect(d, `layer ${i}: |update|`).toBeGreaterThan(1e-3));
  expect(r.leaked, 'tensors left').toBe(0);
}
