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
    dense: [5.375, 2, 5.25, 1],
    conv: [2.907, 5.481, 1.283, 3.627, 88.021],
  },
  // DFA plus the forward recomputed in the second pass.
  flops: (f) => 3 * f.forward + f.projections,
  load: async () => (await import('./mem-dfa')).memDfa,
};
