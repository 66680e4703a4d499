import * as tf from '@tensorflow/tfjs-core';
import { check, disposeOptimizerState, type Optimizer } from '@feedback-lab/core';

/** What to do when a step yields a non-finite loss or weights. */
export type DivergePolicy = 'stop' | 'skip-batch';
export const DIVERGE_POLICIES: readonly DivergePolicy[] = ['stop', 'skip-batch'];

/**
 * True when every value of every tensor is finite. `sum(x·0)` is 0 for finite x and NaN as soon
 * as one value is NaN or ±Inf, so one cheap reduction per tensor and a single sync suffice (and
 * it cannot overflow, unlike a plain sum).
 */
export function allFinite(tensors: readonly tf.Tensor[]): boolean {
  const probe = finiteProbe(tensors);
  const v = probe.dataSync()[0]!;
  probe.dispose();
  return Number.isFinite(v);
}

/** `allFinite` as an unread scalar: 0 when every value is finite, NaN otherwise. */
export function finiteProbe(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => (tensors.length ? tf.addN(tensors.map((t) => tf.sum(tf.mul(t, 0)))) : tf.scalar(0)) as tf.Scalar);
}

/** Copies of the parameters and optimizer state taken before a step, to undo it. */
export interface StepUndo {
  restore(): void;
  dispose(): void;
}

/**
 * Snapshots `params` and the optimizer's whole state so a diverged step can be undone
 * (`skip-batch`). Costs one copy of the weights and optimizer slots per step; only taken under
 * that policy. The state is all in the optimizer (no rule keeps optimizer state), so every
 * rule's step is undone completely, MEM-DFA's block-by-block updates included; a rule's
 * trainable variables (`LearningRule.variables`) belong in `params`.
 */
export function snapshotForUndo(params: readonly tf.Variable[], opt: Optimizer): StepUndo {
  const copies = params.map((p) => tf.keep(p.clone()));
  const snap = opt.save();
  return {
    restore() {
      params.forEach((p, i) => p.assign(copies[i]!));
      opt.load(snap);
    },
    dispose() {
      tf.dispose(copies);
      disposeOptimizerState(snap);
    },
  };
}

/**
 * When a finite loss counts as exploded. The run stops (it does not just warn): by the time the
 * loss has stayed ≥ `factor` × its starting value for `steps` steps in a row, the weights have
 * been thrown far from anything the run learned (FA on cifar-conv at a too-large scale ended
 * at chance with loss 7·10⁴ and nobody noticed); a warning would let the run burn on to a
 * meaningless accuracy. Undoing one batch (`skip-batch`) cannot help either, as the damage
 * built up over many steps, so an explosion stops under both `onDiverge` policies.
 */
export interface ExplosionOptions {
  /** How many times its starting value the loss must reach (default 100). */
  factor?: number;
  /** For this many consecutive steps (default 5): a single noisy batch never stops a run. */
  steps?: number;
  /**
   * The starting value is the mean of the first `warmup` losses this trainer sees (default 5;
   * after a resume, the first ones after it), leaving out any already over the threshold, so an
   * explosion in the first steps cannot raise its own bar.
   */
  warmup?: number;
  /**
   * The starting value is at least this, in loss units (default 1): a resumed run whose loss is
   * 0.01 has not exploded when a batch costs 1 (cross-entropy at chance is ln(classes) ≈ 2.3).
   */
  floor?: number;
}

/** Watches the loss step by step for an explosion (see `ExplosionOptions`). */
export interface ExplosionGuard {
  /** Records one step's finite loss; returns what happened once the loss counts as exploded. */
  observe(loss: number): string | undefined;
  /** Steps in a row so far at or over the threshold (0 while the loss is normal). */
  readonly streak: number;
}

/** A guard with `o`'s settings; throws INVALID_OPTION on settings that could never work. */
export function explosionGuard(o: ExplosionOptions = {}): ExplosionGuard {
  const factor = o.factor ?? 100;
  const steps = o.steps ?? 5;
  const warmup = o.warmup ?? 5;
  const floor = o.floor ?? 1;
  check(Number.isFinite(factor) && factor > 1, `explosion.factor must be a number > 1, got ${factor}`);
  check(Number.isInteger(steps) && steps >= 1, `explosion.steps must be a positive integer, got ${steps}`);
  check(Number.isInteger(warmup) && warmup >= 1, `explosion.warmup must be a positive integer, got ${warmup}`);
  check(Number.isFinite(floor) && floor >= 0, `explosion.floor must be a finite number ≥ 0, got ${floor}`);
  let sum = 0;
  let count = 0;
  let streak = 0;
  const start = () => Math.max(floor, sum / count);
  return {
    get streak() {
      return streak;
    },
    observe(loss) {
      const over = count > 0 && loss >= factor * start();
      if (!over && count < warmup) {
        sum += loss;
        count++;
      }
      streak = over ? streak + 1 : 0;
      if (streak < steps) return undefined;
      return `loss exploded to ${fmt(loss)}, ≥ ${factor}× its starting value ${fmt(start())} for ${streak} steps in a row`;
    },
  };
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e5 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}
