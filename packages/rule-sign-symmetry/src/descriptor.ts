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
    dense: [3.798, 3.213, 4, 21.099],
    denseTape: [4.239, 1.723],
    conv: { sOut: 0.963, sP: 1.057, fIn: 3.45, fPre: 10.871, denseIo: 0.211, denseTape: false },
    batchNorm: { dense: 5.8, conv: 5.94 },
  },
  // As BP: dy·sign(W) in place of dy·Wᵀ.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./sign-symmetry')).signSymmetry,
};
