import type { RuleDescriptor } from '@feedback-lab/core';
import { FEEDBACK_OPTIONS, signConcordantMemory } from '@feedback-lab/feedback';
import type { FrsfOptions } from './frsf';

/** frSF for the rule catalog: BP's tape with |R|∘sign(W), one fixed |R| per weight but the first. */
export const frsfRule: RuleDescriptor<FrsfOptions> = {
  name: 'frsf',
  label: 'frSF (fixed random sign-concordant)',
  options: FEEDBACK_OPTIONS,
  memory: signConcordantMemory('mirror'),
  // As BP: dy·Bᵀ in place of dy·Wᵀ.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./frsf')).frsf,
};
