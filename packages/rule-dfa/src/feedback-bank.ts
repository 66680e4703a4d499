import * as tf from '@tensorflow/tfjs-core';
import { FblError, countBytes, deriveSeed, type FeedbackGenerator, type RuleState } from '@feedback-lab/core';

/** `stored`: each B_i is generated once and kept; `regenerate`: produced from (seed, i) per use. */
export type FeedbackMode = 'stored' | 'regenerate';

/**
 * The fixed random matrices of a rule, one per key (block index). With `regenerate` nothing is
 * resident between uses: the generator is deterministic in (shape, seed), so B_i comes back
 * bit for bit each time it is needed.
 */
export interface FeedbackBank {
  /** B for `key` of `shape`; hand it back with `release` when done. */
  get(key: number, shape: readonly number[]): tf.Tensor;
  release(t: tf.Tensor): void;
  /** Bytes kept between uses (0 with `regenerate`). */
  residentBytes(): number;
  /** Stored matrices, by key (empty with `regenerate`). */
  stored(): ReadonlyMap<number, tf.Tensor>;
  /** The seed every B_i derives from: all a checkpoint needs to get the same matrices back. */
  readonly seed: number;
  /** Switches to another seed (restoring a checkpoint); stored matrices are rebuilt lazily. */
  reseed(seed: number): void;
  dispose(): void;
}

export interface FeedbackBankOptions {
  generator: FeedbackGenerator;
  seed: number;
  mode?: FeedbackMode;
  /** Name of the stream, so two rules with one seed draw different matrices. */
  stream?: string;
}

export function feedbackBank(o: FeedbackBankOptions): FeedbackBank {
  const mode = o.mode ?? 'stored';
  const cache = new Map<number, tf.Tensor>();
  let seed = o.seed;
  const seedOf = (key: number) => deriveSeed(seed, o.stream ?? 'feedback', key);
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
      if (mode === 'regenerate') return o.generator.generate(shape, seedOf(key));
      let t = cache.get(key);
      if (!t) {
        // kept: the first use may happen inside a tidy (DFA builds B lazily on its tape)
        t = tf.keep(o.generator.generate(shape, seedOf(key)));
        cache.set(key, t);
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
