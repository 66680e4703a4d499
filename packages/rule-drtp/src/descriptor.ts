import type { RuleDescriptor } from '@feedback-lab/core';
import { FEEDBACK_OPTIONS } from '@feedback-lab/feedback';
import type { DrtpOptions } from './drtp';

/** DRTP for the rule catalog: one forward pass, one block's working set at a time. */
export const drtpRule: RuleDescriptor<DrtpOptions> = {
  name: 'drtp',
  label: 'DRTP (direct random target projection)',
  options: {
    ...FEEDBACK_OPTIONS,
    schedule: { kind: 'choice', flag: 'drtp-schedule', choices: ['per-block', 'at-end'], help: 'per-block (default) applies each block\'s update as soon as it is computed; at-end, all after the pass' },
  },
  memory: {
    schedule: 'block',
    feedback: 'direct',
    coefficients: [0, 5.102, 9.234, 1.889, 0, 0],
    batchNorm: { dense: [0, 0], conv: [0, 0] },
  },
  // Forward, ∂W per layer, B_i·y* for every hidden layer; no ∂x.
  flops: (f) => 2 * f.forward + f.projections,
  load: async () => (await import('./drtp')).drtp,
};
