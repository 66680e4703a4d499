import * as tf from '@tensorflow/tfjs-core';
import { canUseFeedbackTape, gradsWithFeedback, localGrads, type Batch, type Block, type BlockUpdate, type FeedbackWeight, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';
import { feedbackBank, feedbackSeedOf, xavier, type FeedbackOptions } from '@feedback-lab/feedback';
import { hasSplit, inputGrad } from './local';

/**
 * `seed` (default 0), `generator` of each B (default xavier, the scale of the forward weights'
 * init), `scale`, `feedback: 'stored' | 'regenerate'` (with `regenerate`, each B is rebuilt
 * from (seed, block, param) when the backward pass needs it: no feedback matrix is resident,
 * the same weights), and:
 */
export interface FaOptions extends FeedbackOptions {
  /**
   * Use the forward weights themselves as feedback (B = W, re-read every step). FA then
   * reduces to backprop; for oracle tests and ablations.
   */
  symmetric?: boolean;
}

/** The rule object, with its feedback exposed for alignment diagnostics. */
export interface FaRule extends LearningRule {
  /**
   * Weights that carry the error back through block `index` (B in place of W), if any. With
   * `feedback: 'regenerate'` each B is generated for this call: call it inside `tf.tidy`.
   */
  feedbackWeights(model: Model, index: number): readonly tf.Tensor[] | undefined;
}

/**
 * Feedback alignment (Lillicrap, Cownden, Tweed & Akerman 2016, "Random synaptic feedback
 * weights support error backpropagation for deep learning"): the error travels backwards like
 * backprop's, but through a fixed random B_{i+1} in place of W_{i+1}ᵀ; each block's update is
 * its local gradient for the signal that reaches it. Works for any Block: B has the shape of
 * each weight of rank ≥ 2 (biases are kept), and the block's `apply` runs with B swapped in.
 *
 * @example
 * const loss = await runStep(fa({ seed: 1 }), model, batch, createOptimizer({ name: 'sgd', lr: 0.05 }), { loss: softmaxCrossEntropy, step: 0 });
 */
export function fa(o: FaOptions = {}): FaRule {
  const bank = feedbackBank({ generator: o.generator ?? xavier({ scale: o.scale }), seed: o.seed ?? 0, mode: o.feedback, stream: 'fa' });
  // B in place of each weight of rank ≥ 2 (biases carry no error back). A regenerated B goes
  // into `held`, released once the step has used it.
  const feedbackFor = (block: Block, index: number, held?: tf.Tensor[]): readonly tf.Tensor[] =>
    o.symmetric ? block.params : block.params.map((p, j) => {
      if (p.rank < 2) return p;
      const B = bank.get([index, j], p.shape);
      held?.push(B);
      return B;
    });

  return {
    name: 'fa',
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
      const blocks = model.blocks;
      const held: tf.Tensor[] = [];
      const release = () => held.splice(0).forEach((B) => bank.release(B));
      if (canUseFeedbackTape(blocks)) {
        // regenerated: each B is made when the backward pass reaches its block, freed after it
        const lazy = (b: Block, i: number): readonly FeedbackWeight[] =>
          b.params.map((p, j) => (p.rank < 2 ? p : () => bank.get([i, j], p.shape)));
        const regenerate = o.feedback === 'regenerate' && !o.symmetric;
        const { grads, loss } = gradsWithFeedback(model, batch, ctx, (b, i) => (regenerate ? lazy(b, i) : feedbackFor(b, i, held)));
        release();
        ctx.mark?.('update');
        yield { block: 'all', grads };
        return loss;
      }
      ctx.mark?.('forward');
      // Keep each block's input and, where the block is split, its pre-activation: the
      // backward pass needs both, and recomputing them would cost a matmul per block.
      const inputs: tf.Tensor[] = [];
      const pres: (tf.Tensor | undefined)[] = [];
      const logits = tf.tidy(() => blocks.reduce<tf.Tensor>((h, b) => {
        inputs.push(tf.keep(h === batch.x ? h.clone() : h));
        if (!hasSplit(b)) {
          pres.push(undefined);
          return b.forward(h);
        }
        const a = b.preActivation!(h, b.params);
        pres.push(tf.keep(a));
        return b.postActivation!(a);
      }, batch.x));
      ctx.mark?.('error');
      const loss = ctx.loss.value(logits, batch.y);
      let g = ctx.loss.grad(logits, batch.y);
      const grads: tf.NamedTensorMap = {};
      for (let i = blocks.length - 1; i >= 0; i--) {
        ctx.mark?.(`feedback:${blocks[i]!.name}`);
        const { grads: local, output } = localGrads(blocks[i]!, inputs[i]!, g);
        output.dispose(); // the forward pass already gave the next block its input
        Object.assign(grads, local);
        const next = i > 0 ? inputGrad(blocks[i]!, inputs[i]!, pres[i], g, feedbackFor(blocks[i]!, i, held)) : undefined;
        release();
        tf.dispose([g, inputs[i]!, pres[i]!].filter(Boolean));
        if (next) g = next;
      }
      tf.dispose(logits);
      ctx.mark?.('update');
      yield { block: 'all', grads };
      return loss;
    },
    feedbackWeights: (model, index) => (index > 0 ? feedbackFor(model.blocks[index]!, index) : undefined),
    residentBytes: () => bank.residentBytes(),
    // Each B is a function of (generator, seed, block, param); the generator comes from the config.
    getState: () => ({ feedbackSeed: bank.seed }),
    setState: (s) => bank.reseed(feedbackSeedOf(s, 'fa')),
    dispose: () => bank.dispose(),
  };
}
