import { feedbackBank, magnitudes, signConcordant, xavier, type FeedbackOptions, type SignConcordantRule } from '@feedback-lab/feedback';

/**
 * `seed` (default 0), `generator` of the magnitudes (default xavier, the forward weights'
 * initialiser; its absolute values are used) and `scale`. Nothing is stored, so there is no
 * `feedback` mode.
 */
export type BrsfOptions = Omit<FeedbackOptions, 'feedback'>;

/**
 * Batchwise random-magnitude sign-concordant feedback, brSF (Moskovitz, Litwin-Kumar & Abbott
 * 2018, "Feedback alignment in deep convolutional networks"): the error travels backwards like
 * backprop's, but through B = |R| ∘ sign(W) in place of each weight W, with R redrawn every
 * batch (after each update of W, as biotorch's `brsf` layers) from the weights' initialiser.
 * R of global step t is a function of (seed, t, block, weight), so a resumed run and the
 * alignment probe draw the same numbers as an uninterrupted one; nothing is resident.
 *
 * @example
 * const loss = await runStep(brsf({ seed: 1 }), model, batch, createOptimizer({ name: 'sgd', lr: 0.05 }), { loss: softmaxCrossEntropy, step: 0 });
 */
export function brsf(o: BrsfOptions = {}): SignConcordantRule {
  const bank = feedbackBank({ generator: magnitudes(o.generator ?? xavier({ scale: o.scale })), seed: o.seed ?? 0, mode: 'regenerate', stream: 'brsf' });
  return signConcordant('brsf', (w, block, param, step) => bank.get([step, block, param], w.shape), bank);
}
