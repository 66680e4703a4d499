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
    coefficients: [0.75, 2.382, 0, 0.055, 0, 2.149],
    batchNorm: { dense: [5.715, 0], conv: [7.818, 0] },
    // fitted on XNNPACK's products: FBL_WASM_GEMM=0 fbl bench memory-fit
    xnnpack: { coefficients: [0.633, 4.774, 3.115, 0.234, 0, 1.437], batchNorm: { dense: [5.033, 0], conv: [5.716, 0] } },
  },
  // DFA plus the forward recomputed in the second pass.
  flops: (f) => 3 * f.forward + f.projections,
  // DFA's defaults per kind of preset (the same updates; rule-dfa's descriptor gives the measurements).
  defaults: {
    'tanh-mlp': { feedback: 'he-normal' },
    'relu-mlp': { feedbackScale: 0.25 },
    'cifar-conv': { feedbackScale: 0.3, feedbackConv: 'positions', lrDecaySteps: 300 },
  },
  load: async () => (await import('./mem-dfa')).memDfa,
};
