import type * as tf from '@tensorflow/tfjs-core';

/**
 * Optimizers whose state advances once per `applyGradients` call rather than per variable
 * (Adam's and Adamax's bias correction): several calls per step would over-correct.
 */
const PER_CALL_STATE = new Set(['Adam', 'Adamax']);

/** Whether `opt` can take one step's updates in several `applyGradients` calls. */
export function acceptsPartialUpdates(opt: tf.Optimizer): boolean {
  return !PER_CALL_STATE.has(opt.getClassName());
}

/**
 * Applies the gradients of a subset of the model's variables. tfjs optimizers keep their
 * slots (momentum, moments) by the variable's POSITION in the map passed to `applyGradients`,
 * not by name, so a map with only one block's variables would share block 1's momentum with
 * block 2's weights (or throw on a shape mismatch). Every variable is therefore listed, in the
 * model's order, with `null` for the ones not updated now; tfjs skips null gradients.
 */
export function applyPartial(opt: tf.Optimizer, allNames: readonly string[], grads: tf.NamedTensorMap): void {
  const full: Record<string, tf.Tensor | null> = {};
  for (const name of allNames) full[name] = grads[name] ?? null;
  opt.applyGradients(full as tf.NamedTensorMap);
}
