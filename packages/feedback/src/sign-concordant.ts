import * as tf from '@tensorflow/tfjs-core';
import {
  FblError, canUseFeedbackTape, gradsWithFeedback, sign, type Batch, type BlockUpdate, type FeedbackGenerator, type LearningRule, type Model, type RuleMemoryModel, type StepContext,
} from '@feedback-lab/core';
import { feedbackSeedOf, type FeedbackBank } from './bank';

/**
 * |B| of weight `param` of block `block` at global step `step`: one number for the whole weight,
 * or a tensor of its shape (kept by a bank, or made for this use and freed after it).
 */
export type SignMagnitude = (w: tf.Tensor, block: number, param: number, step: number) => number | tf.Tensor;

/** A sign-concordant rule, with its feedback exposed for alignment diagnostics. */
export interface SignConcordantRule extends LearningRule {
  /**
   * B = |M| ∘ sign(W) for each weight of block `index` (biases as they are), for `step` (default
   * −1, the alignment probe's step; only brSF's magnitudes depend on it). Call it inside `tf.tidy`.
   */
  feedbackWeights(model: Model, index: number, step?: number): readonly tf.Tensor[] | undefined;
}

/**
 * The memory formula of the sign-concordant rules (for their descriptors): sign-symmetry's and
 * FA's tape, each B made when the backward pass reaches its block and freed after it; `mirror`
 * where the rule stores a magnitude per weight but the first block's (frSF). `copies`: 2 for
 * c·sign(W) or a stored M∘sign(W), 3 where M is drawn for the step (brSF).
 */
export function signConcordantMemory(feedback: 'none' | 'mirror', copies = 2): RuleMemoryModel {
  return {
    schedule: 'tape',
    feedback,
    holds: 'weight-copies',
    copies,
    coefficients: [1.789, 0, 11.713, 2.013, 0.041, 1.368],
    batchNorm: { dense: [7.052, -0.95], conv: [6.66, 0.804] },
    // fitted on XNNPACK's products: FBL_WASM_GEMM=0 fbl bench memory-fit
    xnnpack: { coefficients: [1.621, 2.662, 5.968, 1.448, 0.445, 1.497], batchNorm: { dense: [6.9, -1.951], conv: [6.509, -1.242] } },
  };
}

/**
 * A generator of |entries| of `g`: the random magnitudes of brSF and frSF (Moskovitz,
 * Litwin-Kumar & Abbott 2018), drawn from the forward weights' initialiser as biotorch does.
 *
 * @example
 * const M = magnitudes(xavier()).generate([800, 500], 7); // |U(±√(6/1300))|
 */
export function magnitudes(g: FeedbackGenerator): FeedbackGenerator {
  return { name: `|${g.name}|`, generate: (shape, seed) => tf.tidy(() => tf.abs(g.generate(shape, seed))) };
}

/**
 * The sign-concordant feedback rules (Liao, Leibo & Poggio 2016; Moskovitz, Litwin-Kumar &
 * Abbott 2018, "Feedback alignment in deep convolutional networks"): backprop's tape with
 * B = |M| ∘ sign(W) in place of each weight W of rank ≥ 2, W's signs re-read every step and the
 * magnitudes M from `magnitude`. Each B is made when the backward pass reaches its block and
 * freed after it. With a `bank` (random magnitudes) the rule's state is the bank's seed.
 * Blocks must carry feedback on a tape (`applyWithFeedback`): core's dense and conv blocks do.
 *
 * @example
 * const usf = signConcordant('usf', (w) => 0.05); // B = 0.05·sign(W)
 */
export function signConcordant(name: string, magnitude: SignMagnitude, bank?: FeedbackBank): SignConcordantRule {
  // a magnitude made here is freed by the tidy; a bank's stored one is kept and stays
  const feedback = (w: tf.Tensor, block: number, param: number, step: number) => tf.tidy(() => tf.mul(sign(w), magnitude(w, block, param, step)));
  return {
    name,
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
      if (!canUseFeedbackTape(model.blocks)) {
        const b = model.blocks.find((x) => !x.applyWithFeedback)!;
        throw new FblError('INVALID_OPTION', `${name}: block "${b.name}" cannot carry feedback on a tape (no applyWithFeedback); use core's dense and conv blocks`);
      }
      const { grads, loss } = gradsWithFeedback(model, batch, ctx, (b, i) => b.params.map((w, j) => (w.rank < 2 ? w : () => feedback(w, i, j, ctx.step))));
      ctx.mark?.('update');
      yield { block: 'all', grads };
      return loss;
    },
    feedbackWeights: (model, index, step = -1) =>
      (index > 0 ? model.blocks[index]!.params.map((w, j) => (w.rank < 2 ? w : feedback(w, index, j, step))) : undefined),
    residentBytes: () => bank?.residentBytes() ?? 0,
    ...(bank && {
      getState: () => ({ feedbackSeed: bank.seed }),
      setState: (s) => bank.reseed(feedbackSeedOf(s, name)),
    }),
    dispose: () => bank?.dispose(),
  };
}
