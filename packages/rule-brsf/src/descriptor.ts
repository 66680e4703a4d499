import type { RuleDescriptor } from '@feedback-lab/core';
import { FEEDBACK_OPTIONS, signConcordantMemory } from '@feedback-lab/feedback';
import type { BrsfOptions } from './brsf';

/** brSF for the rule catalog: BP's tape with |R|∘sign(W), R drawn per step; nothing resident. */
export const brsfRule: RuleDescriptor<BrsfOptions> = {
  name: 'brsf',
  label: 'brSF (batchwise random sign-concordant)',
  options: { seed: FEEDBACK_OPTIONS.seed, generator: FEEDBACK_OPTIONS.generator, scale: FEEDBACK_OPTIONS.scale },
  memory: signConcordantMemory('none', 3),
  // As BP: dy·Bᵀ in place of dy·Wᵀ.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./brsf')).brsf,
};
