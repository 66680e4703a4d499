import * as tf from '@tensorflow/tfjs-core';
import { FblError, countBytes, deriveSeed, type FeedbackGenerator, type RuleState } from '@feedback-lab/core';

/** `stored`: each B is generated once and kept; `regenerate`: produced from (seed, key) per use. */
export type FeedbackMode = 'stored' | 'regenerate';

/**
 * Which matrix of a rule: a block index (DFA's B_i), or a path such as [block, param] when a
 * block has several (FA's B per weight). Each key draws its own seed from the bank's.
 */
export type FeedbackKey = number | readonly number[];

/**
 * The fixed random matrices of a rule, one per key. With `regenerate` nothing is resident
 * between uses: the generator is deterministic in (shape, seed), so each B comes back bit for
 * bit whenever it is needed, and the rule trades the matrices' memory for generating them.
 */
export interface FeedbackBank {
  /** B for `key` of `shape`; hand it back with `release` when done. */
  get(key: FeedbackKey, shape: readonly number[]): tf.Tensor;
  /** Frees `t` when it was regenerated for one use; a stored matrix stays. */
  release(t: tf.Tensor): void;
  /** Bytes kept between uses (0 with `regenerate`). */
  residentBytes(): number;
  /** Stored matrices by key (parts joined with `.`); empty with `regenerate`. */
  stored(): ReadonlyMap<string, tf.Tensor>;
  /** The seed every B derives from: all a checkpoint needs to get the same matrices back. */
  readonly seed: number;
  /** Switches to another seed (restoring a checkpoint); stored matrices are rebuilt lazily. */
  reseed(seed: number): void;
  dispose(): void;
}

export interface FeedbackBankOptions {
  generator: FeedbackGenerator;
  seed: number;
  /** `stored` (default) or `regenerate`. */
  mode?: FeedbackMode;
  /** Name of the stream, so two rules with one seed draw different matrices (default `feedback`). */
  stream?: string;
}

/**
 * Options of every rule whose feedback comes from a bank: what the CLI passes as `--feedback`,
 * `--feedback-scale` and `--feedback-mode`.
 */
export interface FeedbackOptions {
  /** Seed of the feedback matrices (default 0). */
  seed?: number;
  /** Generator of each B (each rule has its own default). */
  generator?: FeedbackGenerator;
  /** Multiplies the default generator's entries (ignored when `generator` is given). */
  scale?: number;
  /** Keep each B (`stored`, default) or regenerate it from (seed, key) at every use. */
  feedback?: FeedbackMode;
}

/**
 * A bank of feedback matrices: B for key k is `generator.generate(shape, deriveSeed(seed,
 * stream, ...k))`, generated once (`stored`) or at every use (`regenerate`); the same numbers
 * either way.
 *
 * @example
 * const bank = feedbackBank({ generator: fanOut(), seed: 1, mode: 'regenerate', stream: 'dfa' });
 * const B = bank.get(0, [10, 800]);
 * bank.release(B); // disposed: nothing stays resident
 */
export function feedbackBank(o: FeedbackBankOptions): FeedbackBank {
  const mode = o.mode ?? 'stored';
  if (mode !== 'stored' && mode !== 'regenerate') {
    throw new FblError('INVALID_OPTION', `feedback mode must be "stored" or "regenerate", got ${JSON.stringify(mode)}`);
  }
  const cache = new Map<string, tf.Tensor>();
  let seed = o.seed;
  const parts = (key: FeedbackKey): readonly number[] => (typeof key === 'number' ? [key] : key);
  const generate = (key: FeedbackKey, shape: readonly number[]) => o.generator.generate(shape, deriveSeed(seed, o.stream ?? 'feedback', ...parts(key)));
  const clear = () => {
    cache.forEach((t) => t.dispose());
    cache.clear();
  };
  return {
    get seed() {
      return seed;
    },
    reseed(next) {
      if (next === seed) return;
      clear();
      seed = next;
    },
    get(key, shape) {
      if (mode === 'regenerate') return generate(key, shape);
      const id = parts(key).join('.');
      let t = cache.get(id);
      // a rule reused on a model of other widths gets matrices of the new shapes
      if (t && !tf.util.arraysEqual(t.shape, [...shape])) {
        t.dispose();
        t = undefined;
      }
      if (!t) {
        // kept: the first use may happen inside a tidy (DFA builds B lazily on its tape)
        t = tf.keep(generate(key, shape));
        cache.set(id, t);
      }
      return t;
    },
    release(t) {
      if (mode === 'regenerate') t.dispose();
    },
    residentBytes: () => countBytes([...cache.values()]),
    stored: () => cache,
    dispose: clear,
  };
}

/** Reads `feedbackSeed` from a rule state, with a CHECKPOINT error when it is not a uint32. */
export function feedbackSeedOf(state: RuleState, rule: string): number {
  const seed = state.feedbackSeed;
  if (!Number.isInteger(seed) || (seed as number) < 0 || (seed as number) > 0xffffffff) {
    throw new FblError('CHECKPOINT', `${rule} state: feedbackSeed must be a 32-bit unsigned integer, got ${JSON.stringify(seed)}`);
  }
  return seed as number;
}
