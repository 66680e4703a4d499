import type * as tf from '@tensorflow/tfjs-core';

/**
 * A feedback weight for `applyWithFeedback`: a tensor (kept by the caller), or a function that
 * makes a fresh one when the backward pass needs it; the block's gradient disposes what the
 * function returns as soon as it has used it, so only one such weight is alive at a time
 * (FA's regenerated B, sign-symmetry's sign(W)). It must return a new tensor on every call.
 */
export type FeedbackWeight = tf.Tensor | (() => tf.Tensor);

/**
 * One parametrised op plus the non-parametric ops that belong to it (activation, pooling).
 * Random-feedback rules inject their signal at a block's output and backpropagate it through
 * the block only, so the block boundary is where "local" ends.
 */
export interface Block {
  readonly name: string;
  /** Trainable variables of this block, in a fixed order. */
  readonly params: readonly tf.Variable[];
  /** Per-sample input and output shapes (no batch dimension). */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Pure in `params`: the same input and weights give the same output. */
  forward(x: tf.Tensor): tf.Tensor;
  /**
   * The block's function with other weights in place of `params` (same shapes, same order).
   * `forward(x)` is `apply(x, params)`. FA uses it to send the error back through a fixed
   * random B of W's shape instead of W, for any block kind.
   */
  apply(x: tf.Tensor, weights: readonly tf.Tensor[]): tf.Tensor;
  /**
   * Optional split of `apply` into the parametrised op and the non-parametric tail:
   * `apply(x, w) = postActivation(preActivation(x, w))`. FA needs it to take the tail's
   * derivative at the true pre-activation while sending the error back through B; without it
   * FA falls back to `apply(x, B)`, which is exact only when the tail is linear.
   */
  preActivation?(x: tf.Tensor, weights: readonly tf.Tensor[]): tf.Tensor;
  postActivation?(a: tf.Tensor): tf.Tensor;
  /**
   * Optional: `apply(x, weights)` in value, but under autodiff the gradient with respect to `x`
   * goes through `feedback` (same shapes as `weights`) in place of the weights, with the tail's
   * derivative at the true pre-activation; parameter gradients are unchanged. This is FA's
   * backward pass, so FA can run one BP-like tape instead of recomputing each block. A feedback
   * given as a function is built only when the backward pass reaches this block, and disposed
   * right after use (see {@link FeedbackWeight}).
   */
  applyWithFeedback?(x: tf.Tensor, weights: readonly tf.Tensor[], feedback: readonly FeedbackWeight[]): tf.Tensor;
  /**
   * Optional non-trainable state with a training and an inference mode: batch normalisation's
   * running statistics (see `withBatchNorm`). Checkpoints carry `stats.variables`.
   */
  readonly stats?: BlockStats;
}

/** Non-trainable state of a block (batch normalisation's running mean and variance). */
export interface BlockStats {
  /** The variables, in a fixed order; never in `params`, so no rule or optimizer trains them. */
  readonly variables: readonly tf.Variable[];
  /** true (default): normalise with the batch's statistics; false: with the running ones. */
  training: boolean;
  /**
   * Folds the batch statistics of the block's last training forward into the running ones (a
   * no-op when none are pending). `stepSync` calls it when it applies an update that holds the
   * block's parameters, which every rule does once per step, after the block's last forward.
   */
  advance(): void;
  /** Frees the variables and anything pending. */
  dispose(): void;
}

/** A chain of blocks; the last block's output is the logits. */
export interface Model {
  readonly blocks: readonly Block[];
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  forward(x: tf.Tensor): tf.Tensor;
  dispose(): void;
}

/** A loss on logits with its gradient e = ∂L/∂logits, which the random-feedback rules need. */
export interface Loss {
  readonly name: string;
  /** Mean loss over the batch. */
  value(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar;
  /** ∂(mean loss)/∂logits. */
  grad(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor;
}

/** A batch made from raw data. The trainer owns and disposes it. */
export interface Batch {
  /** float32 [B, ...inputShape], scaled to [0, 1] (or normalised). */
  readonly x: tf.Tensor;
  /** float32 one-hot targets [B, numClasses]. */
  readonly y: tf.Tensor;
  /** Integer labels, length B. */
  readonly labels: Uint8Array;
  readonly size: number;
}

/** Named points inside a step, for profilers: e.g. `forward`, `error`, `update:block2`. */
export type PhaseMarker = (phase: string) => void;

export interface StepContext {
  readonly loss: Loss;
  /** Global step index (0-based), for schedules and deterministic feedback seeds. */
  readonly step: number;
  /** Called by rules at phase boundaries; a no-op unless a profiler listens. */
  readonly mark?: PhaseMarker;
  /**
   * A probe (`peekUpdates`, `--align-every`): the updates are collected, never applied. The rule
   * must then change nothing it keeps (no redrawn feedback, no advanced state), so a probe leaves
   * the run bit for bit as it was.
   */
  readonly dryRun?: boolean;
}

/**
 * One block's share of a step: gradients keyed by variable name, for the caller to apply
 * (`applyUpdate`) and dispose. A rule may yield several blocks' gradients as one update.
 */
export interface BlockUpdate {
  /** The block (or blocks, comma-separated) the gradients belong to, for profilers. */
  readonly block: string;
  readonly grads: tf.NamedTensorMap;
}

/**
 * A learning rule computes; the trainer applies (optax's split). `updates` yields each block's
 * gradients in the rule's own schedule and returns the batch loss as a tensor. The caller
 * applies each yielded update (`applyUpdate`) before the generator continues, so weights read
 * after a `yield` are already updated and only one update's gradients are alive at a time:
 * MEM-DFA and DRTP yield block by block, the others once per step. No optimizer reaches the
 * rule; `stepSync`/`runStep` drive a rule by hand.
 */
export interface LearningRule {
  readonly name: string;
  /**
   * One step's updates on a batch, in order; returns the loss (the caller disposes it). Must
   * leave no other tensors behind, and never read a tensor synchronously (`dataSync`).
   */
  updates(model: Model, batch: Batch, ctx: StepContext): Generator<BlockUpdate, tf.Scalar, void>;
  /**
   * Trainable variables the rule owns (Kolen–Pollack's learned feedback B), made for `model` on
   * the first call and the same ones, in the same order, on every later call. The rule yields
   * their gradients under their names like a block's; the caller's optimizer applies them with
   * the model's settings, schedule and slots (the rule never updates them itself), checkpoints
   * save and restore them and their optimizer state, `skip-batch` undoes them, exports leave
   * them out. `dispose` frees them.
   */
  variables?(model: Model): readonly tf.Variable[];
  /** Bytes the rule keeps between steps (feedback matrices); 0 when regenerated. */
  residentBytes?(): number;
  /**
   * Rule state a checkpoint must carry to resume bit for bit (feedback seeds, or the matrices
   * themselves as tensors). Values are JSON-serialisable or `tf.Tensor`s; the caller copies
   * tensors out and does not dispose them. May be async.
   */
  getState?(): RuleState | Promise<RuleState>;
  /**
   * Restores what `getState` returned (tensors are the caller's; copy what you keep). A rule
   * whose state depends only on its factory options may omit both methods.
   */
  setState?(state: RuleState): void | Promise<void>;
  dispose(): void;
}

/** What `LearningRule.getState` returns: JSON values or tensors, by name. */
export type RuleState = Record<string, unknown>;

export type RuleFactory<O = object> = (opts?: O) => LearningRule;

/** Produces a fixed random feedback matrix, deterministically in (shape, seed). */
export interface FeedbackGenerator {
  readonly name: string;
  generate(shape: readonly number[], seed: number): tf.Tensor;
}

export type Split = 'train' | 'test';

export interface BatchOptions {
  split: Split;
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
  /** Use only the first `limit` samples of the split. */
  limit?: number;
  /** Skip this many batches (for resuming mid-epoch). */
  skipBatches?: number;
}

export interface Dataset {
  readonly name: string;
  /** Per-sample shape, e.g. [784] or [28, 28, 1]. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  size(split: Split): number;
  batches(o: BatchOptions): AsyncIterable<Batch>;
}

/** Memory figures attached to trainer events. */
export interface MemoryStats {
  /** Highest tensor bytes held by the engine during the step or epoch. */
  peakBytes: number;
  /** Tensor bytes alive between steps (weights, optimizer state, feedback). */
  residentBytes: number;
  numTensors: number;
}

export interface BatchEndEvent {
  type: 'batchEnd';
  epoch: number;
  step: number;
  batchInEpoch: number;
  batchesInEpoch: number;
  loss: number;
  samplesPerSec: number;
  memory?: MemoryStats;
}

export interface EpochEndEvent {
  type: 'epochEnd';
  epoch: number;
  step: number;
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Samples trained per second by this process (a resumed epoch: since the resume). */
  samplesPerSec: number;
  seconds: number;
  memory: MemoryStats;
  /**
   * Set on an epoch resumed mid-way: the global step it resumed from. Its `seconds`,
   * `samplesPerSec` and `memory` then cover only the steps from there (its loss, the whole epoch).
   */
  resumedAt?: number;
}

export type TrainerEvent = BatchEndEvent | EpochEndEvent;

/** Where a step stands in training, for callbacks that wrap it. */
export interface StepInfo {
  epoch: number;
  step: number;
}

/**
 * Hooks into the training loop. The profiler is one of these: it wraps steps to measure them,
 * and contributes memory figures to the events. Declared here, beside the events, so the
 * profiler implements it without depending on the trainer.
 */
export interface TrainerCallback {
  /** Runs the step (possibly measuring it) and returns its loss tensor, unread. */
  wrapStep?(run: () => tf.Scalar, info: StepInfo): tf.Scalar | Promise<tf.Scalar>;
  /** The rule marked a phase of the step (`ctx.mark`), e.g. `forward`, `update:block2`. */
  mark?(phase: string): void;
  onBatchEnd?(e: BatchEndEvent): void | Promise<void>;
  onEpochEnd?(e: EpochEndEvent): void | Promise<void>;
  /** A diverged step was undone under `onDiverge: 'skip-batch'`. */
  onBatchSkipped?(e: { epoch: number; step: number; reason: string }): void | Promise<void>;
  /** Memory figures for the event being built (e.g. the peak since the last epoch). */
  memory?(): Partial<MemoryStats> | undefined;
}
