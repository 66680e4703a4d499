import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { FeedbackGenerator } from '@feedback-lab/core';
import { dfaFeedbackBank } from '@feedback-lab/feedback';
import { NODE_BACKENDS, compareWithDfaOracle } from '@feedback-lab/test-utils';
import { memDfa } from './mem-dfa';

// MEM-DFA with three hidden layers against the hand-written DFA update (test-utils' dfaOracle:
// δ_i = (B_i e) ⊙ f′(a_i), ΔW_i = h_{i−1}ᵀ δ_i, plain tfjs on cpu), not against rule-dfa's code,
// with which it shares the signal. An explicit generator fixes B_i whatever the defaults are.
const generator: FeedbackGenerator = {
  name: 'test-gaussian',
  generate: (shape, seed) => tf.randomNormal([...shape], 0, 0.3, 'float32', seed),
};
const feedback = (i: number, shape: readonly number[]) => {
  const bank = dfaFeedbackBank({ seed: 4, generator });
  const B = Float32Array.from(bank.get(i, shape).dataSync());
  bank.dispose();
  return B;
};

describe.each(NODE_BACKENDS.map((b) => [b]))('MEM-DFA (3 hidden layers) against the hand-written DFA oracle on %s', (backend) => {
  it.each([
    ['tanh', 'stored'], ['relu', 'stored'], ['tanh', 'regenerate'], ['relu', 'regenerate'],
  ] as const)('%s, feedback %s: one SGD step at lr 1 moves every W_i, b_i by −ΔW_i, −Δb_i (≤ 1e-5)', async (activation, mode) => {
    const rule = memDfa({ seed: 4, generator, feedback: mode });
    const r = await compareWithDfaOracle({ rule, feedback, arch: [6, 12, 10, 8, 4], activation, backend });
    for (const d of r.diffs) expect(d).toBeLessThanOrEqual(1e-5);
    for (const s of r.sizes) expect(s).toBeGreaterThan(1e-3);
    expect(r.leaked).toBe(0);
  });
});
