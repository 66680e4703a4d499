import { FblError } from '@feedback-lab/core';
import { fans, signConcordant, type SignConcordantRule } from '@feedback-lab/feedback';

export interface UsfOptions {
  /** Multiplies the uniform magnitude (default 1). */
  scale?: number;
}

/**
 * The magnitude of uSF's feedback for a weight of `shape`: √(2 / (fan_in + fan_out)), the
 * standard deviation of the xavier initialiser, as biotorch (`layers/fa_constructor`: "scaling
 * factor is the standard deviation of xavier init", its default init for uSF).
 */
export function usfMagnitude(shape: readonly number[]): number {
  const { fanIn, fanOut } = fans(shape);
  return Math.sqrt(2 / (fanIn + fanOut));
}

/**
 * Uniform sign-concordant feedback, uSF (Moskovitz, Litwin-Kumar & Abbott 2018, "Feedback
 * alignment in deep convolutional networks"): the error travels backwards like backprop's, but
 * through B = c·sign(W) in place of each weight W, with one fixed magnitude c per weight (the
 * initialiser's scale, see {@link usfMagnitude}, times `scale`). Unlike sign-symmetry's default
 * (mean|W|·sign(W)) the magnitude does not follow the weights as they grow. Nothing is stored
 * between steps: sign(W) is re-read every step.
 *
 * @example
 * const loss = await runStep(usf(), model, batch, createOptimizer({ name: 'sgd', lr: 0.05 }), { loss: softmaxCrossEntropy, step: 0 });
 */
export function usf(o: UsfOptions = {}): SignConcordantRule {
  const scale = o.scale ?? 1;
  if (!Number.isFinite(scale) || scale < 0) throw new FblError('INVALID_OPTION', `usf: scale must be a finite number ≥ 0, got ${o.scale}`);
  return signConcordant('usf', (w) => scale * usfMagnitude(w.shape));
}
