import * as tf from '@tensorflow/tfjs-core';
import { localGrads, type Batch, type BlockUpdate, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';
import { dfaFeedbackBank, dfaSignal, feedbackSeedOf, type DfaFeedbackOptions } from '@feedback-lab/feedback';

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
 *    and core's `localGrads`), yield that block's update (the caller applies it at once), free
 *    its input and move on.
 * Activation memory is one block's, whatever the depth, for one extra forward pass. Each h_i is
 * computed before block i changes, so the updates equal DFA's exactly; so do the authors' (their
 * graph reads W_i once, before its update; see the README for the evidence). The optimizer keeps
 * its state per variable, so block-by-block updates equal one whole-model update.
 *
 * @example
 * const opt = createOptimizer({ name: 'momentum', lr: 0.01 });
 * const loss = await runStep(memDfa({ seed: 1, feedback: 'regenerate' }), model, batch, opt, { loss: softmaxCrossEntropy, step: 0 });
 */
export function memDfa(o: MemDfaOptions = {}): LearningRule {
  const bank = dfaFeedbackBank(o); // DFA's bank: the same B_i as rule-dfa for the same seed
  return {
    name: 'mem-dfa',
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
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
      for (const [i, block] of blocks.entries()) {
        ctx.mark?.(`feedback:${block.name}`);
        const signal = dfaSignal(e, blocks, i, bank, o.convScaling);
        const { grads, output } = localGrads(block, x, signal);
        signal.dispose();
        ctx.mark?.(`update:${block.name}`);
        yield { block: block.name, grads };
        if (x !== batch.x) x.dispose();
        x = output;
      }
      x.dispose();
      e.dispose();
      return lossT;
    },
    residentBytes: () => bank.residentBytes(),
    // B_i is a function of (generator, seed, i), as in rule-dfa.
    getState: () => ({ feedbackSeed: bank.seed }),
    setState: (s) => bank.reseed(feedbackSeedOf(s, 'mem-dfa')),
    dispose: () => bank.dispose(),
  };
}
