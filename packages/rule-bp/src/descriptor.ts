import type { RuleDescriptor } from '@feedback-lab/core';
import type { BpOptions } from './bp';

/** BP for the rule catalog: no options; every block's tape alive until the one update. */
export const bpRule: RuleDescriptor<BpOptions> = {
  name: 'bp',
  label: 'BP (backprop)',
  options: {},
  memory: {
    schedule: 'tape',
    feedback: 'none',
    coefficients: [0.941, 3.454, 12.716, 1.63, 0, 1.511],
    batchNorm: { dense: [6.525, -2.122], conv: [6.141, -1.765] },
  },
  // Forward, ∂W per layer, ∂x for every layer but the first.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./bp')).bp,
};
