import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, LearningRule } from '@feedback-lab/core';
import { useBackend } from './backends';
import { layerDiffs, oneSgdStep } from './one-step';

/** Inputs of `dfaOracle`, as plain arrays so it can run on another backend than the rule. */
export interface DfaOracleInput {
  /** Layer widths, input first, e.g. [6, 12, 10, 8, 4]. */
  arch: readonly number[];
  /** W_i (row-major [arch[i], arch[i+1]]) and b_i of every layer, in order. */
  weights: readonly { W: Float32Array; b: Float32Array }[];
  /** B_i (row-major [classes, arch[i+1]]) of every hidden layer, in order. */
  feedback: readonly Float32Array[];
  /** Hidden activation; the last layer is linear (logits). */
  activation: 'tanh' | 'relu';
  x: Float32Array;
  /** One-hot targets, row-major [batch, classes]. */
  y: Float32Array;
  batch: number;
}

/**
 * DFA's update for an MLP with softmax cross-entropy (mean over the batch), written out by hand
 * from Nøkland 2016 with plain tfjs ops, sharing no code with the rules it checks:
 * e = (softmax(a_L) − y)/N, δ_L = e, δ_i = (e·B_i) ⊙ f′(a_i) for the hidden layers,
 * ΔW_i = h_{i−1}ᵀ δ_i, Δb_i = Σ_n δ_i (h_0 = x). One SGD step at lr 1 must move W_i by −ΔW_i.
 * Call it on the stock cpu backend for a reference independent of wasm's kernels.
 */
export function dfaOracle(o: DfaOracleInput): { dW: Float32Array; db: Float32Array }[] {
  return tf.tidy(() => {
    const L = o.weights.length;
    const classes = o.arch[L]!;
    const W = o.weights.map((w, i) => tf.tensor2d(w.W, [o.arch[i]!, o.arch[i + 1]!]));
    const b = o.weights.map((w) => tf.tensor1d(w.b));
    const h: tf.Tensor2D[] = [tf.tensor2d(o.x, [o.batch, o.arch[0]!])];
    const a: tf.Tensor2D[] = [];
    for (let i = 0; i < L; i++) {
      a.push(tf.add(tf.matMul(h[i]!, W[i]!), b[i]!));
      h.push(i === L - 1 ? a[i]! : o.activation === 'tanh' ? tf.tanh(a[i]!) : tf.relu(a[i]!));
    }
    const e = tf.div(tf.sub(tf.softmax(a[L - 1]!), tf.tensor2d(o.y, [o.batch, classes])), o.batch);
    const derivative = (ai: tf.Tensor2D) => (o.activation === 'tanh' ? tf.sub(1, tf.square(tf.tanh(ai))) : tf.step(ai));
    return W.map((_, i) => {
      const delta = i === L - 1 ? e : tf.mul(tf.matMul(e, tf.tensor2d(o.feedback[i]!, [classes, o.arch[i + 1]!])), derivative(a[i]!));
      return { dW: tf.matMul(h[i]!, delta, true, false).dataSync() as Float32Array, db: tf.sum(delta, 0).dataSync() as Float32Array };
    });
  });
}

/** How far a rule's one SGD step (lr 1) is from `dfaOracle`, and how large the update was. */
export interface OracleComparison {
  /** max |(W_after − W_before) + ΔW_oracle| over every weight and bias, per layer. */
  diffs: number[];
  /** max |W_after − W_before| per layer: the update was not vanishingly small. */
  sizes: number[];
  /** Tensors left on the backend after the rule, model and batch are disposed. */
  leaked: number;
}

/**
 * Takes one step of `rule` (SGD, lr 1) on a seeded MLP of `arch` on `backend`, then computes
 * `dfaOracle` on the stock cpu backend from the same weights, batch and feedback matrices
 * (`feedback(i, [classes, width])` must return the B_i the rule uses) and compares.
 */
export async function compareWithDfaOracle(o: {
  rule: LearningRule;
  feedback: (index: number, shape: readonly number[]) => Float32Array;
  arch: readonly number[];
  activation: 'tanh' | 'relu';
  backend: BackendName;
  batch?: number;
}): Promise<OracleComparison> {
  const n = o.batch ?? 16;
  const classes = o.arch[o.arch.length - 1]!;
  const s = await oneSgdStep({ ...o, batch: n });
  const input: DfaOracleInput = {
    arch: o.arch, activation: o.activation, batch: n, x: s.x, y: s.y,
    weights: o.arch.slice(1).map((_, i) => ({ W: s.before[2 * i]!, b: s.before[2 * i + 1]! })),
    feedback: o.arch.slice(1, -1).map((width, i) => o.feedback(i, [classes, width])),
  };
  await useBackend('cpu');
  return { ...layerDiffs(s, dfaOracle(input).flatMap((g) => [g.dW, g.db])), leaked: s.leaked };
}
