import * as tf from '@tensorflow/tfjs-core';
import { FblError, canUseFeedbackTape, deriveSeed, gradsWithFeedback, type Batch, type Block, type FeedbackGenerator, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';
import { xavier } from '@feedback-lab/feedback';
import { hasSplit, inputGrad, localParamGrads } from './local';

export interface FaOptions {
  /** Seed of the feedback matrices (default 0). */
  seed?: number;
  /** Generator of each B (default xavier, the scale of the forward weights' init). */
  generator?: FeedbackGenerator;
  /** Multiplies the default generator's entries (ignored when `generator` is given). */
  scale?: number;
  /**
   * Use the forward weights themselves as feedback (B = W, re-read every step). FA then
   * reduces to backprop; for oracle tests and ablations.
   */
  symmetric?: boolean;
}

/** The rule object, with its feedback exposed for alignment diagnostics. */
export interface FaRule extends LearningRule {
  /** Weights that carry the error back through block `index` (B in place of W), if any. */
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
 * const rule = fa({ seed: 1 });
 * rule.step(model, batch, tf.train.sgd(0.05), { loss: softmaxCrossEntropy, step: 0 });
 */
export function fa(o: FaOptions = {}): FaRule {
  const generator = o.generator ?? xavier({ scale: o.scale });
  let seed = o.seed ?? 0;
  const store = new Map<Block, tf.Tensor[]>();
  const feedbackFor = (block: Block, index: number): readonly tf.Tensor[] => {
    if (o.symmetric) return block.params;
    let ws = store.get(block);
    if (!ws) {
      // kept: the first step may run inside a caller's tidy
      ws = block.params.map((p, j) => (p.rank >= 2 ? tf.keep(generator.generate(p.shape, deriveSeed(seed, 'fa', index, j))) : p));
      store.set(block, ws);
    }
    return ws;
  };
  const owned = () => [...store.entries()].flatMap(([b, ws]) => ws.filter((w) => !b.params.includes(w as tf.Variable)));

  return {
    name: 'fa',
    step(model: Model, batch: Batch, opt: tf.Optimizer, ctx: StepContext): number {
      const blocks = model.blocks;
      if (canUseFeedbackTape(blocks)) {
        const { grads, loss } = gradsWithFeedback(model, batch, ctx, feedbackFor);
        ctx.mark?.('update');
        opt.applyGradients(grads);
        const result = loss.dataSync()[0]!;
        tf.dispose([loss, ...Object.values(grads)]);
        return result;
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
        Object.assign(grads, localParamGrads(blocks[i]!, inputs[i]!, g));
        const next = i > 0 ? inputGrad(blocks[i]!, inputs[i]!, pres[i], g, feedbackFor(blocks[i]!, i)) : undefined;
        tf.dispose([g, inputs[i]!, pres[i]!].filter(Boolean));
        if (next) g = next;
      }
      tf.dispose(logits);
      ctx.mark?.('update');
      opt.applyGradients(grads);
      const result = loss.dataSync()[0]!;
      tf.dispose([loss, ...Object.values(grads)]);
      return result;
    },
    feedbackWeights: (model, index) => (index > 0 ? feedbackFor(model.blocks[index]!, index) : undefined),
    residentBytes: () => owned().reduce((s, t) => s + t.size * 4, 0),
    // Each B is a function of (generator, seed, block, param); the generator comes from the config.
    getState: () => ({ feedbackSeed: seed }),
    setState(s) {
      const next = s.feedbackSeed;
      if (!Number.isInteger(next) || (next as number) < 0 || (next as number) > 0xffffffff) {
        throw new FblError('CHECKPOINT', `fa state: feedbackSeed must be a 32-bit unsigned integer, got ${JSON.stringify(next)}`);
      }
      if (next === seed) return;
      owned().forEach((t) => t.dispose());
      store.clear();
      seed = next as number;
    },
    dispose() {
      owned().forEach((t) => t.dispose());
      store.clear();
    },
  };
}
