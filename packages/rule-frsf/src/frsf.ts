import { feedbackBank, magnitudes, signConcordant, xavier, type FeedbackOptions, type SignConcordantRule } from '@feedback-lab/feedback';

/**
 * `seed` (default 0), `generator` of the magnitudes (default xavier, the forward weights'
 * initialiser; its absolute values are used), `scale`, and `feedback: 'stored' | 'regenerate'`
 * (with `regenerate` each |R| is rebuilt from (seed, block, weight) when the backward pass needs
 * it: nothing resident, the same weights).
 */
export type FrsfOptions = FeedbackOptions;

/**
 * Fixed random-magnitude sign-concordant feedback, frSF (Moskovitz, Litwin-Kumar & Abbott 2018,
 * "Feedback alignment in deep convolutional networks"): the error travels backwards like
 * backprop's, but through B = |R| ∘ sign(W) in place of each weight W, with R drawn once from the
 * weights' initialiser and kept (biotorch's `frsf` layers) while the signs follow W. The rule's
 * state is the seed of R, as FA's: a checkpoint gets the same magnitudes back.
 *
 * @example
 * const loss = await runStep(frsf({ seed: 1 }), model, batch, createOptimizer({ name: 'sgd', lr: 0.05 }), { loss: softmaxCrossEntropy, step: 0 });
 */
export function frsf(o: FrsfOptions = {}): SignConcordantRule {
  const bank = feedbackBank({ generator: magnitudes(o.generator ?? xavier({ scale: o.scale })), seed: o.seed ?? 0, mode: o.feedback, stream: 'frsf' });
  return signConcordant('frsf', (w, block, param) => bank.get([block, param], w.shape), bank);
}
