import * as tf from '@tensorflow/tfjs-core';
import { FblError, canUseFeedbackTape, gradsWithFeedback, type Batch, type BlockUpdate, type FeedbackGenerator, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';
import { feedbackBank, xavier } from '@feedback-lab/feedback';

export interface KpOptions {
  /** Seed of the initial B (default 0). */
  seed?: number;
  /** Generator of the initial B (default xavier, the forward weights' scale). */
  generator?: FeedbackGenerator;
  /** Multiplier of the initial B's entries. */
  scale?: number;
  /**
   * Weight decay λ on every weight of rank ≥ 2 and on every B, added to the gradient
   * (∂W + λW, ∂B + λB) before the optimizer; it is what makes B − W shrink: by a factor
   * (1 − lr·λ) per SGD step. Default 0.01 (biases are never decayed).
   */
  decay?: number;
}

/** The rule object, with its feedback exposed for alignment diagnostics. */
export interface KpRule extends LearningRule {
  /** The B matrices, one per weight of rank ≥ 2 past the first block, made for `model` on first use. */
  variables(model: Model): readonly tf.Variable[];
  /** The B carrying the error back through block `index` (its biases as they are), if any. */
  feedbackWeights(model: Model, index: number): readonly tf.Tensor[] | undefined;
}

/**
 * Kolen–Pollack (Akrout, Wilson, Humphreys, Lillicrap & Tweed 2019, "Deep learning without weight
 * transport"): FA's backward pass through a random B shaped like each weight W (the error goes
 * back as dy·Bᵀ), but B is learned: it gets W's own gradient, ∂B = ∂W (the transposed update of
 * the paper, in this layout where B has W's shape), and both decay, so B − W decays away and B
 * converges to W, the error to backprop's. B is a rule-owned variable (`variables`): the caller's
 * optimizer applies ∂B with W's settings, and checkpoints and skip-batch undo carry it.
 *
 * @example
 * const loss = await runStep(kp({ seed: 1 }), model, batch, createOptimizer({ name: 'momentum', lr: 0.01 }), { loss: softmaxCrossEntropy, step: 0 });
 */
export function kp(o: KpOptions = {}): KpRule {
  const decay = o.decay ?? 0.01;
  if (!(decay >= 0) || !Number.isFinite(decay)) throw new FblError('INVALID_OPTION', `kp decay must be a finite number ≥ 0, got ${decay}`);
  const bank = feedbackBank({ generator: o.generator ?? xavier({ scale: o.scale }), seed: o.seed ?? 0, mode: 'regenerate', stream: 'kp' });
  let owner: Model | undefined;
  // `<block>/<param>` → B, for each weight of rank ≥ 2 past the first block
  let feedback = new Map<string, tf.Variable>();
  const build = (model: Model) => {
    if (owner === model) return feedback;
    tf.dispose([...feedback.values()]);
    owner = model;
    feedback = new Map(model.blocks.flatMap((b, i) => b.params.flatMap((p, j) => {
      if (i === 0 || p.rank < 2) return [];
      const init = bank.get([i, j], p.shape);
      const B = tf.variable(init);
      init.dispose();
      return [[`${i}/${j}`, B] as const];
    })));
    return feedback;
  };
  const feedbackFor = (model: Model, i: number) => model.blocks[i]!.params.map((p, j) => build(model).get(`${i}/${j}`) ?? p);

  return {
    name: 'kp',
    variables: (model) => [...build(model).values()],
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
      if (!canUseFeedbackTape(model.blocks)) {
        throw new FblError('INVALID_OPTION', 'kp needs blocks that carry feedback on the tape (dense and conv blocks); this model has others');
      }
      const Bs = build(model);
      const { grads, loss } = gradsWithFeedback(model, batch, ctx, (_b, i) => feedbackFor(model, i));
      ctx.mark?.('update');
      // Block by block, so only one block's decayed copies are alive beside the tape's gradients.
      // Nothing here changes B: the caller applies its gradient, so a probe (ctx.dryRun) is inert.
      let next = 0;
      let done = false;
      try {
        for (const [i, b] of model.blocks.entries()) {
          const out = tf.tidy(() => {
            const u: tf.NamedTensorMap = {};
            b.params.forEach((p, j) => {
              const g = grads[p.name]!;
              const decayed = (v: tf.Variable) => (decay > 0 ? tf.add(g, tf.mul(v, decay)) : g.clone());
              u[p.name] = p.rank >= 2 && decay > 0 ? decayed(p) : g;
              const B = Bs.get(`${i}/${j}`);
              if (B) u[B.name] = decayed(B);
            });
            return u;
          });
          const kept = new Set(Object.values(out));
          tf.dispose(b.params.map((p) => grads[p.name]!).filter((g) => !kept.has(g)));
          next = i + 1;
          yield { block: b.name, grads: out };
        }
        done = true;
        return loss;
      } finally {
        // abandoned mid-step (the caller failed): free what was never handed out
        if (!done) tf.dispose([loss, ...model.blocks.slice(next).flatMap((b) => b.params.map((p) => grads[p.name]!))]);
      }
    },
    feedbackWeights: (model, index) => (index > 0 ? feedbackFor(model, index) : undefined),
    residentBytes: () => [...feedback.values()].reduce((n, B) => n + 4 * B.size, 0),
    dispose() {
      tf.dispose([...feedback.values()]);
      feedback = new Map();
      owner = undefined;
    },
  };
}
