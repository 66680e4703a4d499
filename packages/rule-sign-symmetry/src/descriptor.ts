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
    holds: 'weight-copies',
    copies: 2,
    // each mean|W_k|·sign(W_k) is made when the backward pass reaches block k (sign, then the
    // product: two weight-sized tensors) and freed after it
    coefficients: [1.789, 0, 11.713, 2.013, 0.041, 1.368],
    batchNorm: { dense: [7.052, -0.95], conv: [6.66, 0.804] },
    // fitted on XNNPACK's products: FBL_WASM_GEMM=0 fbl bench memory-fit
    xnnpack: { coefficients: [1.621, 2.662, 5.968, 1.448, 0.445, 1.497], batchNorm: { dense: [6.9, -1.951], conv: [6.509, -1.242] } },
  },
  // As BP: dy·sign(W) in place of dy·Wᵀ.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./sign-symmetry')).signSymmetry,
};
