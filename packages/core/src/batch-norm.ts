import * as tf from '@tensorflow/tfjs-core';
import { activate, type ActivationName } from './activations';
import { toVariable } from './dense';
import { check } from './errors';
import type { Block, BlockStats, Model, FeedbackWeight } from './types';

export interface BatchNormOptions {
  /** running = momentum·running + (1 − momentum)·batch, once per step (default 0.9, as the MEM-DFA authors). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3, as Keras and TF1). */
  epsilon?: number;
}

/**
 * Batch normalisation over every axis but the last (per unit of a dense block, per channel of a
 * conv block) with its closed-form gradient:
 *   x̂ = (a − μ)/√(σ² + ε),  y = γ·x̂ + β
 *   ∂a = γ/√(σ² + ε) · (dy − mean(dy) − x̂·mean(dy·x̂)),  ∂γ = Σ dy·x̂,  ∂β = Σ dy
 * The tape keeps x̂ and 1/√(σ² + ε) only, where autodiff of the same ops would keep every
 * intermediate. `onMoments` receives the batch mean and (biased) variance, for the running ones.
 */
function batchNormTraining(
  a: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, onMoments: (mean: tf.Tensor, variance: tf.Tensor) => void,
): tf.Tensor {
  const axes = a.shape.slice(0, -1).map((_, i) => i);
  const count = a.size / a.shape[a.rank - 1]!;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { mean, variance } = tf.moments(x, axes);
    onMoments(mean, variance);
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(x, mean), inv);
    save([xhat, inv, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, iv, gm] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dbeta = tf.sum(dy, axes);
        const dgamma = tf.sum(tf.mul(dy, xh), axes);
        const centred = tf.sub(tf.sub(dy, tf.div(dbeta, count)), tf.mul(xh, tf.div(dgamma, count)));
        return [tf.mul(centred, tf.mul(gm, iv)), dgamma, dbeta];
      },
    };
  });
  return op(a, gamma, beta);
}

/**
 * Wraps a block whose tail is linear (a dense or conv block built with activation `linear`,
 * pooling allowed) into one block: inner → batch norm → `activation`. Every rule's local
 * backward therefore goes through the normalisation, and γ, β are trainable params (after the
 * inner block's), updated by every rule; the running mean and variance are `stats.variables`.
 *
 * Training and inference: with `stats.training` true (the default) the block normalises with
 * the batch's statistics; `predict` (and `inference`) switch every block of a model to the
 * running ones for the duration of a call. The running statistics advance exactly once per
 * step, whatever the rule: each training forward leaves the batch's moments pending (a
 * recomputation on the same batch, MEM-DFA's second pass or FA's local pass, yields the same
 * moments), and `stepSync` folds them in (`stats.advance()`) when it applies the update that
 * holds the block's parameters, which every rule yields once per step, after the block's last
 * forward of that step. A checkpoint restore or an optimizer used by hand does not advance them.
 *
 * FA's split: `preActivation` is the inner block's; `postActivation` is the inner tail, the
 * normalisation (with the block's own γ, β) and the activation, so FA takes the derivative of
 * the whole tail, normalisation included, at the true pre-activation.
 *
 * @example
 * const block = withBatchNorm(dense({ inputSize: 784, units: 500, seed: 1 }), 'sigmoid');
 */
export function withBatchNorm(inner: Block, activation: ActivationName, o: BatchNormOptions = {}): Block {
  const momentum = o.momentum ?? 0.9;
  const epsilon = o.epsilon ?? 1e-3;
  check(momentum >= 0 && momentum < 1, `batch-norm momentum must be in [0, 1), got ${momentum}`);
  check(epsilon > 0 && Number.isFinite(epsilon), `batch-norm epsilon must be a positive number, got ${epsilon}`);
  const units = inner.outputShape[inner.outputShape.length - 1]!;
  const gamma = toVariable(tf.ones([units]));
  const beta = toVariable(tf.zeros([units]));
  const [runningMean, runningVar] = tf.tidy(() => [tf.variable(tf.zeros([units]), false), tf.variable(tf.ones([units]), false)]);
  const n = inner.params.length;
  let pending: [tf.Tensor, tf.Tensor] | undefined;
  const dropPending = () => {
    if (pending) tf.dispose(pending);
    pending = undefined;
  };
  const stats: BlockStats = {
    variables: [runningMean, runningVar],
    training: true,
    advance: () => commit(),
    dispose() {
      dropPending();
      runningMean.dispose();
      runningVar.dispose();
    },
  };
  const commit = () => {
    if (!pending) return;
    const [mean, variance] = pending;
    pending = undefined;
    tf.tidy(() => {
      runningMean.assign(tf.add(tf.mul(runningMean, momentum), tf.mul(mean, 1 - momentum)));
      runningVar.assign(tf.add(tf.mul(runningVar, momentum), tf.mul(variance, 1 - momentum)));
    });
    tf.dispose([mean, variance]);
  };
  const normalise = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    if (!stats.training) return tf.batchNorm(a, runningMean, runningVar, b, g, epsilon);
    return batchNormTraining(a, g, b, epsilon, (mean, variance) => {
      dropPending();
      pending = [tf.keep(mean.clone()), tf.keep(variance.clone())];
    });
  };
  const tail = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => activate(normalise(a, g, b), activation);
  const apply = (x: tf.Tensor, w: readonly tf.Tensor[]) => tf.tidy(() => tail(inner.apply(x, w.slice(0, n)), w[n]!, w[n + 1]!));
  const params = [...inner.params, gamma, beta];
  const withFeedback = inner.applyWithFeedback?.bind(inner);
  const preActivation = inner.preActivation?.bind(inner);
  const innerPost = inner.postActivation?.bind(inner);
  return {
    name: inner.name,
    params,
    stats,
    inputShape: inner.inputShape,
    outputShape: inner.outputShape,
    apply,
    forward: (x) => apply(x, params),
    ...(preActivation && innerPost
      ? {
          preActivation: (x: tf.Tensor, w: readonly tf.Tensor[]) => preActivation(x, w.slice(0, n)),
          postActivation: (a: tf.Tensor) => tf.tidy(() => tail(innerPost(a), gamma, beta)),
        }
      : {}),
    ...(withFeedback
      ? {
          applyWithFeedback: (x: tf.Tensor, w: readonly tf.Tensor[], fb: readonly FeedbackWeight[]) =>
            tf.tidy(() => tail(withFeedback(x, w.slice(0, n), fb.slice(0, n)), w[n]!, w[n + 1]!)),
        }
      : {}),
  };
}

/** A block's variables as checkpoints and exports store them: its params, then its statistics. */
export function blockVariables(block: Block): tf.Variable[] {
  return [...block.params, ...(block.stats?.variables ?? [])];
}

/** Every variable of a model in block order (`blockVariables` of each block). */
export function modelVariables(model: Model): tf.Variable[] {
  return model.blocks.flatMap(blockVariables);
}

/**
 * Runs `fn` with every batch-norm block of `model` normalising with its running statistics
 * (inference), then restores each block's mode. Models without such blocks are unaffected.
 */
export function inference<T>(model: Model, fn: () => T): T {
  const blocks = model.blocks.filter((b) => b.stats);
  const before = blocks.map((b) => b.stats!.training);
  blocks.forEach((b) => (b.stats!.training = false));
  try {
    return fn();
  } finally {
    blocks.forEach((b, i) => (b.stats!.training = before[i]!));
  }
}

/**
 * The model's logits for evaluation: `model.forward` in inference mode (see `inference`). Use it
 * for accuracy, predictions and exports; rules train through the blocks in training mode.
 *
 * @example
 * const logits = predict(model, batch.x);
 */
export function predict(model: Model, x: tf.Tensor): tf.Tensor {
  return inference(model, () => model.forward(x));
}
