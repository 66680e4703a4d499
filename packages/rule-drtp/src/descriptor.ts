import type { RuleDescriptor } from '@feedback-lab/core';
import { FEEDBACK_OPTIONS } from '@feedback-lab/feedback';
import type { DrtpOptions } from './drtp';

/** DRTP for the rule catalog: one forward pass, one block's working set at a time. */
export const drtpRule: RuleDescriptor<DrtpOptions> = {
  name: 'drtp',
  label: 'DRTP (direct random target projection)',
  options: {
    ...FEEDBACK_OPTIONS,
    schedule: { kind: 'choice', flag: 'drtp-schedule', choices: ['per-block', 'at-end'], help: 'per-block (default) applies each block\'s update as soon as it is computed; at-end, all after the pass' },
  },
  memory: {
    schedule: 'block',
    feedback: 'direct',
    coefficients: [0.736, 2.454, 0.328, 0, 0, 2.227],
    batchNorm: { dense: [5.75, 0], conv: [7.812, 0] },
    // fitted on XNNPACK's products: FBL_WASM_GEMM=0 fbl bench memory-fit
    xnnpack: { coefficients: [0.654, 4.987, 0.962, 0.315, 0, 1.269], batchNorm: { dense: [4.196, 0], conv: [4.745, 0] } },
  },
  // Forward, ∂W per layer, B_i·y* for every hidden layer; no ∂x.
  flops: (f) => 2 * f.forward + f.projections,
  // Per kind of preset (PresetKind), over the preset's rule-independent defaults. DRTP's signal
  // never shrinks (it projects the target, not the error), so on relu nets its activations grow
  // with lr·scale·steps.
  defaults: {
    // He-normal B (variance 2/n_out), as the MEM-DFA authors.
    'tanh-mlp': { feedback: 'he-normal' },
    // mnist-fc on Fashion-MNIST, 20 000 samples, 1 epoch: explodes at scale ≥ 0.1; only a tiny
    // scale keeps a full two-epoch run finite (0.002).
    'relu-mlp': { feedbackScale: 0.002 },
    // MNIST: at 0.03 it survives 157 steps (71.2 % on 10 000 samples, 1 epoch) but explodes after
    // 200–370 steps of the full set; at 0.002 two epochs stay finite, but seed 2 fell from 92.4 to
    // 58.5 % in epoch 2; with the rate decayed (lr / (1 + step/300)) it ends at 92.4 %.
    'mnist-conv': { feedbackScale: 0.002, lrDecaySteps: 300 },
    // Standardised CIFAR-10: at a constant rate it exploded at step 918 of the full data; decayed,
    // the total drift grows as log(steps) (docs/feedback-scaling.md).
    'cifar-conv': { feedbackScale: 0.0005, lrDecaySteps: 200 },
  },
  load: async () => (await import('./drtp')).drtp,
};
