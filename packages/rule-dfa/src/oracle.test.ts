import { describe, expect, it } from 'vitest';
import { gaussian } from '@feedback-lab/feedback';
import { NODE_BACKENDS, compareWithDfaOracle } from '@feedback-lab/test-utils';
import { dfa, dfaFeedbackBank } from './index';

// DFA with three hidden layers against δ_i = (B_i e) ⊙ f′(a_i), ΔW_i = h_{i−1}ᵀ δ_i written out
// by hand (test-utils' dfaOracle, plain tfjs on cpu). An explicit generator fixes B_i whatever
// the rule's default scaling; the matrices are read back through the rule's own bank.
const ARCH = [6, 12, 10, 8, 4];
const generator = gaussian({ std: 0.3 });
const feedback = (seed: number) => (i: number, shape: readonly number[]) => {
  const bank = dfaFeedbackBank({ seed, generator });
  const B = Float32Array.from(bank.get(i, shape).dataSync());
  bank.dispose();
  return B;
};

describe.each(NODE_BACKENDS.map((b) => [b]))('DFA (3 hidden layers) against the hand-written oracle on %s', (backend) => {
  it.each([['tanh'], ['relu']] as const)('%s: one SGD step at lr 1 moves every W_i, b_i by −ΔW_i, −Δb_i (≤ 1e-5)', async (activation) => {
    const r = await compareWithDfaOracle({ rule: dfa({ seed: 4, generator }), feedback: feedback(4), arch: ARCH, activation, backend });
    for (const d of r.diffs) expect(d).toBeLessThanOrEqual(1e-5);
    for (const s of r.sizes) expect(s).toBeGreaterThan(1e-3); // every layer learned something
    expect(r.leaked).toBe(0);
  });

  it('fails against the matrices of another seed (the comparison can tell)', async () => {
    const r = await compareWithDfaOracle({ rule: dfa({ seed: 4, generator }), feedback: feedback(5), arch: ARCH, activation: 'tanh', backend });
    expect(Math.max(...r.diffs.slice(0, 3))).toBeGreaterThan(1e-3);
    expect(r.diffs[3]).toBeLessThanOrEqual(1e-5); // the output layer gets the true e either way
  });
});
