import type { RuleDescriptor } from '@feedback-lab/core';
import { FEEDBACK_OPTIONS } from '@feedback-lab/feedback';
import type { FaOptions } from './fa';

/** FA for the rule catalog: BP's tape with B in place of W, one B per weight but the first. */
export const faRule: RuleDescriptor<FaOptions> = {
  name: 'fa',
  label: 'FA (feedback alignment)',
  options: {
    ...FEEDBACK_OPTIONS,
    symmetric: { kind: 'boolean', flag: 'fa-symmetric', help: 'use the forward weights as feedback (B = W): FA reduces to backprop, for ablations' },
  },
  memory: {
    schedule: 'tape',
    feedback: 'mirror',
    coefficients: [1.223, 3.011, 12.698, 1.367, 0.081, 1.497],
    batchNorm: { dense: [7.107, -2.33], conv: [6.003, -1.824] },
  },
  // As BP: dy·B in place of dy·Wᵀ.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./fa')).fa,
};
