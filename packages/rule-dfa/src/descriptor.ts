import type { RuleDescriptor } from '@feedback-lab/core';
import { DFA_FEEDBACK_OPTIONS } from '@feedback-lab/feedback';
import type { DfaOptions } from './dfa';

/** DFA for the rule catalog: one tape that also holds each block's signal B_i·e. */
export const dfaRule: RuleDescriptor<DfaOptions> = {
  name: 'dfa',
  label: 'DFA (direct FA)',
  options: DFA_FEEDBACK_OPTIONS,
  memory: {
    schedule: 'tape',
    feedback: 'direct',
    coefficients: [0.962, 0, 2.619, 2.091, 0.021, 1.361],
    holds: 'signals',
    batchNorm: { dense: [6.699, -0.955], conv: [6.337, 0.241] },
    // fitted on XNNPACK's products: FBL_WASM_GEMM=0 fbl bench memory-fit
    xnnpack: { coefficients: [2.694, 0, 1.265, 0, 0, 1.804], batchNorm: { dense: [7.108, -0.857], conv: [6.689, -0.26] } },
  },
  // Forward, ∂W per layer, B_i·e for every hidden layer; no ∂x.
  flops: (f) => 2 * f.forward + f.projections,
  // Per kind of preset (PresetKind), over the preset's rule-independent defaults; MEM-DFA's are the same.
  defaults: {
    // He-normal B (variance 2/n_out), as the MEM-DFA authors: per-unit scaled, so each hidden unit
    // receives a signal the size of one unit of the error. 784-800-800-10 tanh, 2 epochs: 96.06 %
    // vs 92.53 % with the BP-matched default.
    'tanh-mlp': { feedback: 'he-normal' },
    // Relu does not saturate, so a hidden update that does not yet reduce the loss grows the
    // activations without bound. mnist-fc on Fashion-MNIST, 20 000 samples, 1 epoch: 68.1 % at
    // scale 1 (loss spikes), 71.3 % at 0.25, explodes at 2.
    'relu-mlp': { feedbackScale: 0.25 },
    // mnist-conv: the BP-matched default, 91.2 % on 10 000 MNIST samples, 1 epoch.
    // Standardised CIFAR-10, 10 000 samples, 1 epoch: explodes at scale ≥ 0.2 with uniform scaling;
    // dividing the conv blocks' signals by √positions lets the dense block take 0.3 of BP's step:
    // 27.9 %. On the full data at a constant rate the drift still compounds (exploded at step
    // 2004), so the rate decays, lr / (1 + step / 300): the total drift then grows as log(steps)
    // (docs/feedback-scaling.md).
    'cifar-conv': { feedbackScale: 0.3, feedbackConv: 'positions', lrDecaySteps: 300 },
  },
  load: async () => (await import('./dfa')).dfa,
};
