import type { RuleDescriptor } from '@feedback-lab/core';
import { DFA_FEEDBACK_OPTIONS } from '@feedback-lab/feedback';
import type { MemDfaOptions } from './mem-dfa';

/** MEM-DFA for the rule catalog: one block's working set at a time, DFA's feedback. */
export const memDfaRule: RuleDescriptor<MemDfaOptions> = {
  name: 'mem-dfa',
  label: 'MEM-DFA (memory-efficient DFA)',
  options: DFA_FEEDBACK_OPTIONS,
  memory: {
    schedule: 'block',
    feedback: 'direct',
    coefficients: [0, 5.106, 8.858, 1.9, 0, 0],
    batchNorm: { dense: [0, 0], conv: [0, 0] },
  },
  // DFA plus the forward recomputed in the second pass.
  flops: (f) => 3 * f.forward + f.projections,
  load: async () => (await import('./mem-dfa')).memDfa,
};
