import * as tf from '@tensorflow/tfjs-core';
import type { Batch, FeedbackGenerator, LearningRule, Model, StepContext } from '@feedback-lab/core';
import { fanOut } from '@feedback-lab/feedback';
import { detach } from './detach';
import { feedbackBank, feedbackSeedOf, type FeedbackBank, type FeedbackMode } from './feedback-bank';
import { inject } from './inject';
import { dfaSignal, type ConvScaling } from './signal';

export interface DfaOptions {
  /** Seed of the feedback matrices (default 0). */
  seed?: number;
  /**
   * Generator of B_i (default fan-out: variance 1/n_i, so ‖B_i·e‖ ≈ ‖e‖, the size of BP's
   * gradient at a block at initialisation; see the README for the measurements behind it).
   */
  generator?: FeedbackGenerator;
  /** Multiplies the default generator's entries (ignored when `generator` is given). */
  scale?: number;
  /** Keep each B_i (`stored`, default) or regenerate it from (seed, i) every step. */
  feedback?: FeedbackMode;
  /** Extra scaling of conv blocks' signals (default `none`; `positions`: 1/√positions). */
  convScaling?: ConvScaling;
}

/**
 * The feedback bank DFA builds from its options: B_i from (seed, i) on the `dfa` stream, so any
 * rule that composes DFA's signal (MEM-DFA) gets the very same matrices from the same seed.
 */
export function dfaFeedbackBank(o: DfaOptions = {}): FeedbackBank {
  return feedbackBank({
    generator: o.generator ?? fanOut({ scale: o.scale }),
    seed: o.seed ?? 0,
    mode: o.feedback,
    stream: 'dfa',
  });
}

/**
 * Direct feedback alignment (Nøkland 2016, "Direct Feedback Alignment Provides Learning in Deep
 * Neural Networks"): the output error e = ∂L/∂logits is sent to every hidden block i through a
 * fixed random B_i of shape [n_out, n_i] and injected at the block's output; each block then
 * backpropagates B_i·e through its own activation only. The last block gets the true e.
 *
 * One forward pass is recorded on the tape with the chain cut between blocks, so the backward
 * pass computes only parameter gradients (no ∂L/∂h through W): about 2/3 of BP's matmuls.
 *
 * @example
 * const rule = dfa({ seed: 1 });
 * rule.step(model, batch, tf.train.momentum(0.01, 0.9), { loss: softmaxCrossEntropy, step: 0 });
 */
export function dfa(o: DfaOptions = {}): LearningRule {
  const bank = dfaFeedbackBank(o);
  return {
    name: 'dfa',
    step(model: Model, batch: Batch, opt: tf.Optimizer, ctx: StepContext): number {
      const blocks = model.blocks;
      let loss: tf.Scalar | undefined;
      const signals: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        ctx.mark?.('forward');
        const outputs: tf.Tensor[] = [];
        let h = batch.x;
        for (const block of blocks) {
          h = block.forward(outputs.length ? detach(h) : h);
          outputs.push(h);
        }
        ctx.mark?.('error');
        loss = tf.keep(ctx.loss.value(h, batch.y));
        const e = detach(ctx.loss.grad(h, batch.y));
        ctx.mark?.('feedback');
        // Each block's output is seeded with its signal s_i as its gradient; the cut inputs
        // stop it from reaching earlier blocks. The signals outlive this scope (kept).
        outputs.forEach((out, i) => signals.push(tf.keep(dfaSignal(e, blocks, i, bank, o.convScaling))));
        return tf.addN(outputs.map((out, i) => inject(out, signals[i]!))) as tf.Scalar;
      }, blocks.flatMap((b) => b.params));
      tf.dispose(signals);
      ctx.mark?.('update');
      opt.applyGradients(grads);
      const result = loss!.dataSync()[0]!;
      tf.dispose([value, loss!, ...Object.values(grads)]);
      return result;
    },
    residentBytes: () => bank.residentBytes(),
    // B_i is a function of (generator, seed, i); the generator comes from the run's config.
    getState: () => ({ feedbackSeed: bank.seed }),
    setState: (s) => bank.reseed(feedbackSeedOf(s, 'dfa')),
    dispose: () => bank.dispose(),
  };
}
