import type { RuleDescriptor } from '@feedback-lab/core';
import { FEEDBACK_OPTIONS } from '@feedback-lab/feedback';
import type { KpOptions } from './kp';

/** Kolen–Pollack for the rule catalog: FA's tape, with each B learning W's update. */
export const kpRule: RuleDescriptor<KpOptions> = {
  name: 'kp',
  label: 'KP (Kolen–Pollack, learned feedback)',
  options: {
    seed: FEEDBACK_OPTIONS.seed,
    generator: FEEDBACK_OPTIONS.generator,
    scale: FEEDBACK_OPTIONS.scale,
    decay: { kind: 'number', flag: 'kp-decay', min: 0, default: 0.01, help: 'weight decay on W and B (∂ + λ·weight), which makes B converge to W' },
  },
  // FA's tape; B's gradients are the weights' again, held for the update.
  memory: {
    schedule: 'tape',
    feedback: 'mirror',
    coefficients: [1.223, 3.011, 12.698, 1.367, 0.081, 1.497],
    batchNorm: { dense: [7.107, -2.33], conv: [6.003, -1.824] },
  },
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./kp')).kp,
};
