import type { RuleDescriptor } from '@feedback-lab/core';
import { FEEDBACK_OPTIONS, signConcordantMemory } from '@feedback-lab/feedback';
import type { UsfOptions } from './usf';

/** uSF for the rule catalog: BP's tape with c·sign(W); nothing stored between steps. */
export const usfRule: RuleDescriptor<UsfOptions> = {
  name: 'usf',
  label: 'uSF (uniform sign-concordant)',
  options: { scale: FEEDBACK_OPTIONS.scale },
  memory: signConcordantMemory('none'),
  // As BP: dy·Bᵀ in place of dy·Wᵀ.
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./usf')).usf,
};
