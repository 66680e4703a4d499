import * as tf from '@tensorflow/tfjs-core';
import { localGrads, type Batch, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';
import { dfaFeedbackBank, dfaSignal, feedbackSeedOf, type DfaFeedbackOptions } from '@feedback-lab/feedback';
import { blockOptimizers } from './block-optimizers';

/**
 * DFA's options, unchanged: seed, generator, scale, and `feedback: 'stored' | 'regenerate'`
 * (with `regenerate`, B_i is rebuilt from (seed, i) when block i needs it and freed at once,
 * so no feedback matrix is resident), `convScaling`. Both rules take them from
 * @feedback-lab/feedback, so the same options give the same B_i as rule-dfa.
 */
export type MemDfaOptions = DfaFeedbackOptions;

/**
 * Memory-efficient DFA (Chu et al. 2020, arXiv:2012.11745; the authors' TF1 code is "DFAMEM").
 * DFA's signal with another schedule:
 * 1. forward through all blocks keeping only the current tensor, then the loss and e;
 * 2. for each block in order: recompute its output from its input with its pre-update
 *    weights, take the local gradient for B_i·e (DFA's `dfaSignal`, from @feedback-lab/feedback,
 *    and core's `localGrads`), apply that block's update at once, free its input and move on.
 * Activation memory is one block's, whatever the depth, for one extra forward pass. Each h_i is
 * computed before block i changes, so the updates equal DFA's exactly; so do the authors' (their
 * graph reads W_i once, before its update; see the README for the evidence). Per-block updates go
 * through per-block copies of the optimizer (`blockOptimizers`), which are the rule's state.
 *
 * @example
 * const rule = memDfa({ seed: 1, feedback: 'regenerate' });
 * rule.step(model, batch, tf.train.momentum(0.01, 0.9), { loss: softmaxCrossEntropy, step: 0 });
 */
export function memDfa(o: MemDfaOptions = {}): LearningRule {
  const bank = dfaFeedbackBank(o); // DFA's bank: the same B_i as rule-dfa for the same seed
  const opts = blockOptimizers();
  return {
    name: 'mem-dfa',
    step(model: Model, batch: Batch, opt: tf.Optimizer, ctx: StepContext): number {
      const blocks = model.blocks;
      ctx.mark?.('forward');
      let h = batch.x;
      for (const block of blocks) {
        const next = block.forward(h);
        if (h !== batch.x) h.dispose();
        h = next;
      }
      ctx.mark?.('error');
      const lossT = ctx.loss.value(h, batch.y);
      const e = ctx.loss.grad(h, batch.y);
      h.dispose();
      let x = batch.x;
      blocks.forEach((block, i) => {
        ctx.mark?.(`feedback:${block.name}`);
        const signal = dfaSignal(e, blocks, i, bank, o.convScaling);
        const { grads, output } = localGrads(block, x, signal);
        signal.dispose();
        ctx.mark?.(`update:${block.name}`);
        opts.get(opt, i).applyGradients(grads);
        tf.dispose(Object.values(grads));
        if (x !== batch.x) x.dispose();
        x = output;
      });
      x.dispose();
      e.dispose();
      const loss = lossT.dataSync()[0]!;
      lossT.dispose();
      return loss;
    },
    residentBytes: () => bank.residentBytes(),
    async getState() {
      return { feedbackSeed: bank.seed, ...(await opts.state()) };
    },
    async setState(s) {
      bank.reseed(feedbackSeedOf(s, 'mem-dfa'));
      await opts.restore(s);
    },
    dispose() {
      bank.dispose();
      opts.dispose();
    },
  };
}
