import * as tf from '@tensorflow/tfjs-core';
import { localGrads, type Batch, type BlockUpdate, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';
import { directSignal, fanOut, feedbackBank, feedbackSeedOf, type FeedbackOptions } from '@feedback-lab/feedback';

/**
 * `per-block` (default): block i's update is yielded as soon as its output exists, during the
 * forward pass, as in the paper, so one block's gradients are alive at a time. `at-end`: the
 * updates are gathered and yielded as one after the pass; the same numbers, as the optimizer
 * keeps its state per variable.
 */
export type DrtpSchedule = 'per-block' | 'at-end';

/**
 * `seed` of the projection matrices (default 0), `generator` of B_i, shape [n_out, n_i]
 * (default fan-out, variance 1/n_i, as rule-dfa), `scale`, `feedback: 'stored' | 'regenerate'`
 * (with `regenerate`, B_i is rebuilt from (seed, i) when block i needs it and freed at once:
 * no projection is resident, the same weights), and:
 */
export interface DrtpOptions extends FeedbackOptions {
  /** When the updates are applied (default `per-block`). */
  schedule?: DrtpSchedule;
}

/**
 * Direct random target projection (Frenkel, Lefebvre & Bol 2021, "Learning without feedback:
 * fixed random learning signals allow for feedforward training of deep neural networks").
 * Hidden block i receives B_i·y* — the one-hot target projected by a fixed random B_i of
 * shape [n_out, n_i] — in place of DFA's B_i·e, and backpropagates it through its own
 * activation only. The signal does not depend on the output, so block i is updated as soon as
 * h_i is computed and h_{i−1} is dropped: one forward pass, no backward pass, and one block's
 * activations alive at a time. The last block gets the true error e.
 *
 * B_i·y* rather than −B_i·y*: B is drawn from a symmetric distribution, so the sign is
 * immaterial; the authors' code (ChFrenkel/DirectRandomTargetProjection) feeds y*·B too.
 *
 * @example
 * const opt = createOptimizer({ name: 'momentum', lr: 0.01 });
 * const loss = await runStep(drtp({ seed: 1 }), model, batch, opt, { loss: softmaxCrossEntropy, step: 0 });
 */
export function drtp(o: DrtpOptions = {}): LearningRule {
  const bank = feedbackBank({ generator: o.generator ?? fanOut({ scale: o.scale }), seed: o.seed ?? 0, mode: o.feedback, stream: 'drtp' });
  const schedule = o.schedule ?? 'per-block';

  return {
    name: 'drtp',
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
      const blocks = model.blocks;
      const pending: tf.NamedTensorMap = {};
      // y*/batch: the target stands in for e = ∂(mean loss)/∂logits, which carries the batch
      // mean's 1/batch; without it DRTP's step was `batch` times DFA's.
      const target = tf.div(batch.y, batch.size);
      let h = batch.x;
      let loss: tf.Scalar | undefined;
      for (const [i, block] of blocks.entries()) {
        ctx.mark?.(`forward:${block.name}`);
        const signal = i < blocks.length - 1
          ? directSignal(target, block, i, bank)
          : (logits: tf.Tensor) => {
              loss = tf.keep(ctx.loss.value(logits, batch.y));
              return ctx.loss.grad(logits, batch.y);
            };
        const { grads, output } = localGrads(block, h, signal);
        if (signal instanceof tf.Tensor) signal.dispose();
        if (h !== batch.x) h.dispose();
        h = output;
        ctx.mark?.(`update:${block.name}`);
        if (schedule === 'per-block') yield { block: block.name, grads };
        else Object.assign(pending, grads);
      }
      target.dispose();
      h.dispose();
      if (schedule === 'at-end') yield { block: 'all', grads: pending };
      return loss!;
    },
    residentBytes: () => bank.residentBytes(),
    // Every B_i is a function of (generator, seed, i); the generator comes from the config.
    getState: () => ({ feedbackSeed: bank.seed }),
    setState: (s) => bank.reseed(feedbackSeedOf(s, 'drtp')),
    dispose: () => bank.dispose(),
  };
}
