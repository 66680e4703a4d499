import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from './optimizer';
import type { Batch, BlockUpdate, LearningRule, Model, StepContext } from './types';

/** Applies one block's update through `opt` and disposes its gradients. */
export function applyUpdate(opt: Optimizer, u: BlockUpdate): void {
  try {
    opt.apply(u.grads);
  } finally {
    tf.dispose(Object.values(u.grads));
  }
}

/**
 * After a block's update: its batch-norm statistics (if any) take the step's batch moments. The
 * update holds the block's parameters once per step, after the block's last forward.
 */
function advanceStats(model: Model, u: BlockUpdate): void {
  for (const b of model.blocks) if (b.stats && b.params.some((p) => p.name in u.grads)) b.stats.advance();
}

/**
 * One training step, synchronously: drives the rule's `updates` and applies each block's update
 * before the rule computes the next, so only one block's gradients are alive at a time.
 * Returns the batch loss as a tensor, not read (the caller disposes it): nothing here waits
 * for the device.
 *
 * @example
 * const loss = stepSync(rule, model, batch, opt, { loss: softmaxCrossEntropy, step: 0 });
 * console.log((await loss.data())[0]); loss.dispose();
 */
export function stepSync(rule: LearningRule, model: Model, batch: Batch, opt: Optimizer, ctx: StepContext): tf.Scalar {
  const it = rule.updates(model, batch, ctx);
  try {
    for (let r = it.next(); ; r = it.next()) {
      if (r.done) return r.value;
      applyUpdate(opt, r.value);
      advanceStats(model, r.value);
    }
  } catch (err) {
    it.return?.(undefined as never); // run the rule's cleanup
    throw err;
  }
}

/**
 * One training step for code that drives a rule by hand: `stepSync`, then the loss read
 * asynchronously (no `dataSync` stall on GPU backends).
 *
 * @example
 * const loss = await runStep(dfa({ seed: 1 }), model, batch, createOptimizer({ name: 'sgd', lr: 0.1 }), { loss: softmaxCrossEntropy, step: 0 });
 */
export async function runStep(rule: LearningRule, model: Model, batch: Batch, opt: Optimizer, ctx: StepContext): Promise<number> {
  const loss = stepSync(rule, model, batch, opt, ctx);
  try {
    return (await loss.data())[0]!;
  } finally {
    loss.dispose();
  }
}

/**
 * The gradients a step would apply, without applying them (the weights stay as they are), and
 * its loss; the caller disposes both. For diagnostics such as alignment with backprop. Every
 * rule here computes each block's update from pre-update weights, so these are the updates a
 * real step applies. The rule runs with `ctx.dryRun`, so it changes none of its own state either.
 */
export function peekUpdates(rule: LearningRule, model: Model, batch: Batch, ctx: StepContext): { grads: tf.NamedTensorMap; loss: tf.Scalar } {
  const grads: tf.NamedTensorMap = {};
  const it = rule.updates(model, batch, { ...ctx, dryRun: true });
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return { grads, loss: r.value };
    Object.assign(grads, r.value.grads);
  }
}
