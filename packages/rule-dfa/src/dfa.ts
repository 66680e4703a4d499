import * as tf from '@tensorflow/tfjs-core';
import { inject, untaped, type Batch, type BlockUpdate, type LearningRule, type Model, type StepContext } from '@feedback-lab/core';
import { dfaFeedbackBank, dfaSignal, feedbackSeedOf, type DfaFeedbackOptions } from '@feedback-lab/feedback';
import { detach } from './detach';

/**
 * DFA's options (from @feedback-lab/feedback, which MEM-DFA shares): `seed` (default 0),
 * `generator` of B_i (default `fanOut()`: variance 1/n_i, so ‖B_i·e‖ ≈ ‖e‖, the size of BP's
 * gradient at a block at initialisation; see the README for the measurements behind it),
 * `scale`, `feedback: 'stored' | 'regenerate'` and `convScaling`.
 */
export type DfaOptions = DfaFeedbackOptions;

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
 * const opt = createOptimizer({ name: 'momentum', lr: 0.01 });
 * const loss = await runStep(dfa({ seed: 1 }), model, batch, opt, { loss: softmaxCrossEntropy, step: 0 });
 */
export function dfa(o: DfaOptions = {}): LearningRule {
  const bank = dfaFeedbackBank(o);
  return {
    name: 'dfa',
    *updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar> {
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
        // the loss and e off the tape: no gradient flows through them, so nothing is saved
        loss = tf.keep(untaped(() => ctx.loss.value(h, batch.y)));
        const e = untaped(() => ctx.loss.grad(h, batch.y));
        ctx.mark?.('feedback');
        // Each block's output is seeded with its signal s_i as its gradient; the cut inputs
        // stop it from reaching earlier blocks. The signals outlive this scope (kept).
        outputs.forEach((_, i) => signals.push(tf.keep(dfaSignal(e, blocks, i, bank, o.convScaling))));
        return inject(outputs, signals);
      }, blocks.flatMap((b) => b.params));
      tf.dispose(signals);
      value.dispose();
      ctx.mark?.('update');
      yield { block: 'all', grads };
      return loss!;
    },
    residentBytes: () => bank.residentBytes(),
    // B_i is a function of (generator, seed, i); the generator comes from the run's config.
    getState: () => ({ feedbackSeed: bank.seed }),
    setState: (s) => bank.reseed(feedbackSeedOf(s, 'dfa')),
    dispose: () => bank.dispose(),
  };
}
