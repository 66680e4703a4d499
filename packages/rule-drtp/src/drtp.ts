import * as tf from '@tensorflow/tfjs-core';
import { FblError, deriveSeed, type Batch, type FeedbackGenerator, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';
import { fanOut } from '@feedback-lab/feedback';
import { acceptsPartialUpdates, applyPartial } from './apply';
import { forwardWithGrads } from './local';

/**
 * `per-block` (default): block i is updated as soon as its output exists, during the forward
 * pass, as in the paper. `at-end`: the updates are gathered and applied in one call after the
 * pass; the same numbers. With Adam/Adamax, whose bias correction advances on every
 * `applyGradients` call, `per-block` falls back to `at-end` (gradients are parameter-sized,
 * so activation memory stays one block).
 */
export type DrtpSchedule = 'per-block' | 'at-end';

export interface DrtpOptions {
  /** Seed of the projection matrices (default 0). */
  seed?: number;
  /** Generator of B_i, shape [n_out, n_i] (default fan-out, variance 1/n_i, as rule-dfa). */
  generator?: FeedbackGenerator;
  /** Multiplies the default generator's entries (ignored when `generator` is given). */
  scale?: number;
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
 * const rule = drtp({ seed: 1 });
 * rule.step(model, batch, tf.train.momentum(0.01, 0.9), { loss: softmaxCrossEntropy, step: 0 });
 */
export function drtp(o: DrtpOptions = {}): LearningRule {
  const generator = o.generator ?? fanOut({ scale: o.scale });
  let seed = o.seed ?? 0;
  const schedule = o.schedule ?? 'per-block';
  const store = new Map<number, tf.Tensor>();
  const projection = (index: number, shape: [number, number]): tf.Tensor => {
    let B = store.get(index);
    if (!B) {
      B = tf.keep(generator.generate(shape, deriveSeed(seed, 'drtp', index)));
      store.set(index, B);
    }
    return B;
  };

  return {
    name: 'drtp',
    step(model: Model, batch: Batch, opt: tf.Optimizer, ctx: StepContext): number {
      const blocks = model.blocks;
      const names = blocks.flatMap((b) => b.params.map((p) => p.name));
      const perBlock = schedule === 'per-block' && acceptsPartialUpdates(opt);
      const pending: tf.NamedTensorMap = {};
      const apply = (grads: tf.NamedTensorMap) => {
        if (!perBlock) return Object.assign(pending, grads);
        applyPartial(opt, names, grads);
        tf.dispose(Object.values(grads));
      };
      let h = batch.x;
      let loss: tf.Scalar | undefined;
      blocks.forEach((block, i) => {
        ctx.mark?.(`forward:${block.name}`);
        const last = i === blocks.length - 1;
        const width = block.outputShape.reduce((a, b) => a * b, 1);
        const signal = last
          ? (logits: tf.Tensor) => {
              loss = tf.keep(ctx.loss.value(logits, batch.y));
              return ctx.loss.grad(logits, batch.y);
            }
          // y*/batch: the target stands in for e = ∂(mean loss)/∂logits, which carries the
          // batch mean's 1/batch; without it DRTP's step was `batch` times DFA's.
          : tf.tidy(() => tf.reshape(tf.matMul(tf.div(batch.y, batch.size) as tf.Tensor2D, projection(i, [batch.y.shape[1]!, width]) as tf.Tensor2D), [batch.size, ...block.outputShape]));
        const { grads, output } = forwardWithGrads(block, h, signal);
        if (signal instanceof tf.Tensor) signal.dispose();
        if (h !== batch.x) h.dispose();
        h = output;
        ctx.mark?.(`update:${block.name}`);
        apply(grads);
      });
      h.dispose();
      if (!perBlock) {
        opt.applyGradients(pending);
        tf.dispose(Object.values(pending));
      }
      const result = loss!.dataSync()[0]!;
      loss!.dispose();
      return result;
    },
    residentBytes: () => [...store.values()].reduce((s, t) => s + t.size * 4, 0),
    // Every B_i is a function of (generator, seed, i); the generator comes from the config.
    getState: () => ({ feedbackSeed: seed }),
    setState(s) {
      const next = s.feedbackSeed;
      if (!Number.isInteger(next) || (next as number) < 0 || (next as number) > 0xffffffff) {
        throw new FblError('CHECKPOINT', `drtp state: feedbackSeed must be a 32-bit unsigned integer, got ${JSON.stringify(next)}`);
      }
      if (next === seed) return;
      store.forEach((t) => t.dispose());
      store.clear();
      seed = next as number;
    },
    dispose() {
      store.forEach((t) => t.dispose());
      store.clear();
    },
  };
}
