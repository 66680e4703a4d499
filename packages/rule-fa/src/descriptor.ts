import type { RuleDescriptor } from '@feedback-lab/core';
import { FEEDBACK_OPTIONS } from '@feedback-lab/feedback';
import type { FaOptions } from './fa';

/** FA for the rule catalog: BP's tape with B in place of W, one B per weight but the first. */
export const faRule: RuleDescriptor<FaOptions> = {
  name: 'fa',
  label: 'FA (feedback alignment)',
  options: {
    ...FEEDBACK_OPTIONS,
    symmetric: { kind: 'boolean', flag: 'fa-symmetric', help: 'use the forward weights as feedback (B = W): FA reduces to backprop, for ablations' },
  },
  memory: {
    schedule: 'tape',
    feedback: 'mirror',
    coefficients: [1.604, 0.254, 17.314, 1.898, 0, 1.379],
    batchNorm: { dense: [6.839, -1.058], conv: [6.448, 0.693] },
    // fitted on XNNPACK's products: FBL_WASM_GEMM=0 fbl bench memory-fit
    xnnpack: { coefficients: [1.15, 3.183, 5.653, 1.591, 0.205, 1.455], batchNorm: { dense: [6.466, -2.009], conv: [6.113, -1.713] } },
  },
  // As BP: dy·B in place of dy·Wᵀ.
  flops: (f) => 2 * f.forward + f.inputGrads,
  // Per kind of preset (PresetKind), over the preset's rule-independent defaults.
  defaults: {
    // The PyTorch reference's per-unit scaled feedback, B ~ N(0, 1/fan-out): each hidden unit
    // receives a signal the size of one unit of the error, about 6–13× BP's step on the saturating
    // tanh MLP, and it trains faster (784-800-800-10, 2 epochs: 95.67 % vs 93.17 % with the
    // BP-matched default).
    'tanh-mlp': { feedback: 'fan-out' },
    // Relu does not saturate: a fraction of the per-unit step keeps random feedback's drift in check.
    'relu-mlp': { feedback: 'fan-out', feedbackScale: 0.25 },
    // 10 000 MNIST samples, 1 epoch: explodes at scale 1 with its fan-out B, 88.9 % at 0.25 (84.5 %
    // with xavier).
    'mnist-conv': { feedback: 'fan-out', feedbackScale: 0.25 },
    // Standardised CIFAR-10, 10 000 samples, 1 epoch: 26.0 % at 0.1 (fan-out B); on the full data
    // the rate decays, lr / (1 + step / 300), as the random-feedback drift compounds
    // (docs/feedback-scaling.md).
    'cifar-conv': { feedback: 'fan-out', feedbackScale: 0.1, lrDecaySteps: 300 },
  },
  load: async () => (await import('./fa')).fa,
};
