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
    dense: [3.798, 3.213, 4, 21.099],
    denseTape: [4.239, 1.723],
    conv: { sPre: 5.3, sOut: 0.767, fPre: 1.093, denseTape: true },
    batchNorm: { dense: 5.8, conv: 5.94 },
  },
  // Forward, ∂W per layer, ∂x for every layer but the first.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./bp')).bp,
};
