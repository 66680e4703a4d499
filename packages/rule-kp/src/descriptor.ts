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
  // As FA on the saturating MLP: B ~ N(0, 1/fan-out). 784-800-800-10 tanh, full MNIST, 2 epochs,
  // λ 0.01: 94.08 % (BP 94.37 %), angles to BP's gradient 10.8°, 21.1°, 5.9°; with xavier B
  // 91.58 % (11.6°, 20.4°, 12.0°).
  // cifar-conv: with the preset's rule-independent defaults KP's loss was NaN at step 12 (10 000
  // samples, seed 1); with FA's settings there it trains: 30.84 % (FA 27.92 %, BP 39.28 %).
  defaults: { 'tanh-mlp': { feedback: 'fan-out' }, 'cifar-conv': { feedback: 'fan-out', feedbackScale: 0.1, lrDecaySteps: 300 } },
  // FA's tape; B's gradients are the weights' again, held for the update.
  memory: {
    schedule: 'tape',
    feedback: 'mirror',
    holds: 'feedback-grads',
    coefficients: [1.596, 0.317, 19.749, 1.858, 0, 1.383],
    batchNorm: { dense: [6.816, -0.953], conv: [6.433, 0.706] },
    // fitted on XNNPACK's products: FBL_WASM_GEMM=0 fbl bench memory-fit
    xnnpack: { coefficients: [1.6, 2.778, 6.024, 1.516, 0.388, 1.543], batchNorm: { dense: [6.975, -1.797], conv: [6.562, -1.288] } },
  },
  flops: (f) => 2 * f.forward + f.inputGrads,
  load: async () => (await import('./kp')).kp,
};
