import * as tf from '@tensorflow/tfjs-core';
import { canUseFeedbackTape, gradsWithFeedback, sign, type Batch, type BlockUpdate, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';
import { backward, type Saved } from './backward';

/**
 * `unit`: B = sign(W), entries ±1, as written in the paper. `mean-abs` (default): B =
 * mean|W|·sign(W), the same signs scaled per weight to W's average magnitude. Liao et al.
 * trained with batch normalisation, which absorbs the scale; without it ±1 entries amplify
 * the signal by 1/mean|W| (≈ 20–30 for an 800-wide layer) at every block it crosses.
 */
export type FeedbackMagnitude = 'unit' | 'mean-abs';

export interface SignSymmetryOptions {
  /** Scale of the sign feedback (default `mean-abs`). */
  magnitude?: FeedbackMagnitude;
  /** Batch manhattan: apply sign(gradient) instead of the gradient (default false). */
  batchManhattan?: boolean;
}

/**
 * Sign-symmetry (Liao, Leibo & Poggio 2016, "How important is weight symmetry in
 * backpropagation?"): the error travels backwards like backprop's, but through sign(W_{i+1})ᵀ
 * instead of W_{i+1}ᵀ — feedback that shares only the signs of the forward weights, re-read
 * every step. With `batchManhattan` each parameter moves by the sign of its batch gradient,
 * the paper's "BM" update. Nothing is stored between steps.
 *
 * @example
 * const rule = signSymmetry();                       // or signSymmetry({ batchManhattan: true })
 * const loss = await runStep(rule, model, batch, createOptimizer({ name: 'sgd', lr: 0.05 }), { loss: softmaxCrossEntropy, step: 0 });
 */
export function signSymmetry(o: SignSymmetryOptions = {}): LearningRule {
  const magnitude = o.magnitude ?? 'mean-abs';
  // mean|W| first (|W| freed at once), then sign(W): two weight-sized tensors at the peak, not three
  const signOf = (w: tf.Tensor) => tf.tidy(() => {
    if (magnitude === 'unit') return sign(w);
    const m = tf.tidy(() => tf.mean(tf.abs(w)));
    return tf.mul(sign(w), m);
  });
  const feedbackOf = (params: readonly tf.Tensor[]) => params.map((w) => (w.rank < 2 ? w.clone() : signOf(w))); // biases carry no error back

  // One BP-like tape when every block can carry feedback: no block is recomputed. Each sign(W)
  // is made when the backward pass reaches its block (before the update, outside any tape, so no
  // gradient flows into W through it) and freed after it: one copy alive at a time.
  const tapeGrads = (model: Model, batch: Batch, ctx: StepContext) =>
    gradsWithFeedback(model, batch, ctx, (b) => b.params.map((w) => (w.rank < 2 ? w : () => signOf(w))));

  const perBlockGrads = (model: Model, batch: Batch, ctx: StepContext) => {
    const blocks = model.blocks;
    ctx.mark?.('forward');
    const saved: Saved[] = [];
    const logits = tf.tidy(() => blocks.reduce<tf.Tensor>((h, b) => {
      const input = tf.keep(h === batch.x ? h.clone() : h);
      if (!b.preActivation || !b.postActivation) {
        saved.push({ input });
        return b.forward(h);
      }
      const pre = tf.keep(b.preActivation(h, b.params));
      saved.push({ input, pre });
      return b.postActivation(pre);
    }, batch.x));
    ctx.mark?.('error');
    const loss = ctx.loss.value(logits, batch.y);
    let g = ctx.loss.grad(logits, batch.y);
    logits.dispose();
    const grads: tf.NamedTensorMap = {};
    for (let i = blocks.length - 1; i >= 0; i--) {
      ctx.mark?.(`feedback:${blocks[i]!.name}`);
      const feedback = i > 0 ? feedbackOf(blocks[i]!.params) : undefined;
      const { grads: local, dx } = backward(blocks[i]!, saved[i]!, g, feedback);
      Object.assign(grads, local);
      tf.dispose([g, saved[i]!.input, ...(saved[i]!.pre ? [saved[i]!.pre!] : []), ...(feedback ?? [])]);
      if (dx) g = dx;
    }
    return { grads, loss };
  };

  return {
    name: 'sign-symmetry',
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
      const { grads, loss } = canUseFeedbackTape(model.blocks) ? tapeGrads(model, batch, ctx) : perBlockGrads(model, batch, ctx);
      ctx.mark?.('update');
      if (o.batchManhattan) {
        for (const [k, v] of Object.entries(grads)) {
          grads[k] = sign(v);
          v.dispose();
        }
      }
      yield { block: 'all', grads };
      return loss;
    },
    residentBytes: () => 0,
    // No state of its own: the feedback is read from the current weights, the options come from the config.
    dispose() {},
  };
}
