import type { RuleDescriptor } from '@feedback-lab/core';
import type { SignSymmetryOptions } from './sign-symmetry';

/** Sign-symmetry for the rule catalog: BP's tape with sign(W); nothing stored between steps. */
export const signSymmetryRule: RuleDescriptor<SignSymmetryOptions> = {
  name: 'sign-symmetry',
  label: 'Sign-symmetry',
  options: {
    magnitude: { kind: 'choice', flag: 'sign-magnitude', choices: ['mean-abs', 'unit'], help: 'scale of the sign feedback: mean-abs (default), the mean |W| of the weight, or unit (±1)' },
    batchManhattan: { kind: 'boolean', flag: 'batch-manhattan', help: 'apply the sign of each batch gradient instead of the gradient' },
  },
  memory: {
    schedule: 'tape',
    feedback: 'none',
    // FA's: each sign(W_k) is made when the backward pass reaches block k and freed after it, so
    // the step peaks where FA's does (the same bytes on 62 of the 64 fit steps; mnist-conv at
    // batch 32/64, where the 800×500 copy meets the peak, +18/+8 %)
    coefficients: [1.223, 3.011, 12.698, 1.367, 0.081, 1.497],
    batchNorm: { dense: [7.107, -2.33], conv: [6.003, -1.824] },
  },
  // As BP: dy·sign(W) in place of dy·Wᵀ.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./sign-symmetry')).signSymmetry,
};
