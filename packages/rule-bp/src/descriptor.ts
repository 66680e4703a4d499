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
    coefficients: [1.604, 0.254, 17.314, 1.898, 0, 1.379],
    batchNorm: { dense: [6.839, -1.058], conv: [6.448, 0.693] },
    // fitted on XNNPACK's products: FBL_WASM_GEMM=0 fbl bench memory-fit
    xnnpack: { coefficients: [1.15, 3.183, 5.653, 1.591, 0.205, 1.455], batchNorm: { dense: [6.466, -2.009], conv: [6.113, -1.713] } },
  },
  // Forward, ∂W per layer, ∂x for every layer but the first.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./bp')).bp,
};
