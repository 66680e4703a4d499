import * as tf from '@tensorflow/tfjs-core';
import type { Batch, FeedbackGenerator, LearningRule, Model, StepContext } from '@feedback-lab/core';
import { heNormal } from '@feedback-lab/feedback';
import { dfaSignal, feedbackBank, localGrads, type FeedbackMode } from '@feedback-lab/rule-dfa';
import { blockOptimizers } from './block-optimizers';

export interface MemDfaOptions {
  /** Seed of the feedback matrices (default 0); the same seed gives DFA's matrices. */
  seed?: number;
  /** Generator of B_i (default he-normal, as rule-dfa). */
  generator?: FeedbackGenerator;
  /** Multiplies the default generator's entries (ignored when `generator` is given). */
  scale?: number;
  /**
   * `stored` (default) keeps each B_i; `regenerate` rebuilds B_i from (seed, i) when block i
   * needs it and frees it at once, so no feedback matrix is resident.
   */
  feedback?: FeedbackMode;
}

/**
 * Memory-efficient DFA (Chu, Ma, Lin et al. 2020, "Training DNNs in O(1) memory with
 * MEM-DFA using Random Matrices", arXiv 2012.11745). DFA's signal with another schedule:
 * 1. forward through all blocks keeping only the current tensor, then the loss and e;
 * 2. for each block in order: recompute its output from its input with its pre-update
 *    weights, take the local gradient for B_i·e (rule-dfa's `dfaSignal` and `localGrads`),
 *    apply that block's update at once, free its input and move on.
 * Activation memory is one block's, whatever the depth, for one extra forward pass. Each h_i is
 * computed before block i changes, so the updates equal DFA's exactly. Per-block updates go
 * through per-block copies of the optimizer (`blockOptimizers`), which are the rule's state.
 *
 * @example
 * const rule = memDfa({ seed: 1, feedback: 'regenerate' });
 * rule.step(model, batch, tf.train.momentum(0.01, 0.9), { loss: softmaxCrossEntropy, step: 0 });
 */
export function memDfa(o: MemDfaOptions = {}): LearningRule {
  const bank = feedbackBank({
    generator: o.generator ?? heNormal({ scale: o.scale }),
    seed: o.seed ?? 0,
    mode: o.feedback,
    stream: 'dfa', // the same stream as rule-dfa: same seed, same B_i
  });
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
        const signal = dfaSignal(e, blocks, i, bank);
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
    dispose() {
      bank.dispose();
      opts.dispose();
    },
  };
}
