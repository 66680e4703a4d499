import type { RuleDescriptor } from '@feedback-lab/core';
import { DFA_FEEDBACK_OPTIONS } from '@feedback-lab/feedback';
import type { DfaOptions } from './dfa';

/** DFA for the rule catalog: one tape that also holds each block's signal B_i·e. */
export const dfaRule: RuleDescriptor<DfaOptions> = {
  name: 'dfa',
  label: 'DFA (direct FA)',
  options: DFA_FEEDBACK_OPTIONS,
  memory: {
    schedule: 'tape',
    feedback: 'direct',
    coefficients: [1.361, 1.912, 10.14, 1.315, 0.147, 1.357],
    holds: 'signals',
    batchNorm: { dense: [7.104, -1.401], conv: [6.003, -0.79] },
  },
  // Forward, ∂W per layer, B_i·e for every hidden layer; no ∂x.
  flops: (f) => 2 * f.forward + f.projections,
  load: async () => (await import('./dfa')).dfa,
};
