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
    coefficients: [1.223, 3.011, 12.698, 1.367, 0.081, 1.497],
    batchNorm: { dense: [7.107, -2.33], conv: [6.003, -1.824] },
  },
  // Forward, ∂W per layer, ∂x for every layer but the first.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./bp')).bp,
};
