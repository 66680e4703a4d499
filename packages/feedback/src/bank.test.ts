import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveSeed, dense, FblError, type Block } from '@feedback-lab/core';
import { useBackend } from '@feedback-lab/test-utils';
import { dfaFeedbackBank, dfaSignal, directSignal, fanOut, feedbackBank, feedbackSeedOf, gaussian } from './index';

const generator = gaussian({ std: 0.5 });
const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('feedbackBank', () => {
  beforeAll(() => useBackend('wasm'));

  it('gives B = generate(shape, deriveSeed(seed, stream, ...key)), stored or regenerated alike', () => {
    const before = tf.memory().numTensors;
    const stored = feedbackBank({ generator, seed: 7, stream: 'fa' });
    const regen = feedbackBank({ generator, seed: 7, stream: 'fa', mode: 'regenerate' });
    const expected = generator.generate([3, 4], deriveSeed(7, 'fa', 2, 0));
    for (const bank of [stored, regen]) {
      const B = bank.get([2, 0], [3, 4]);
      expect(values(B)).toEqual(values(expected));
      bank.release(B);
    }
    // a number key is a one-part path: DFA's B_i keeps the seeds it had
    const Bi = regen.get(3, [2, 2]);
    const old = generator.generate([2, 2], deriveSeed(7, 'fa', 3));
    expect(values(Bi)).toEqual(values(old));
    regen.release(Bi);
    expect(stored.residentBytes()).toBe(4 * 12);
    expect(regen.residentBytes()).toBe(0);
    tf.dispose([expected, old]);
    stored.dispose();
    regen.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stores each B once, survives a tidy, and release leaves a stored B alone', () => {
    const bank = feedbackBank({ generator, seed: 1 });
    const B = tf.tidy(() => bank.get(0, [2, 3]));
    bank.release(B);
    expect(B.isDisposed).toBe(false);
    expect(bank.get(0, [2, 3])).toBe(B);
    expect([...bank.stored().keys()]).toEqual(['0']);
    bank.dispose();
    expect(B.isDisposed).toBe(true);
  });

  it('rebuilds a stored B asked for in another shape, and after reseed', () => {
    const bank = feedbackBank({ generator, seed: 1 });
    const a = bank.get(0, [2, 3]);
    const b = bank.get(0, [2, 5]);
    expect([a.isDisposed, b.shape]).toEqual([true, [2, 5]]);
    const first = values(b);
    bank.reseed(2);
    expect(bank.seed).toBe(2);
    expect(b.isDisposed).toBe(true);
    expect(values(bank.get(0, [2, 5]))).not.toEqual(first);
    bank.dispose();
  });

  it('refuses an unknown mode, and feedbackSeedOf a seed that is no uint32, with one clear line', () => {
    expect(() => feedbackBank({ generator, seed: 1, mode: 'lazy' as 'stored' })).toThrow(/feedback mode must be "stored" or "regenerate", got "lazy"/);
    expect(feedbackSeedOf({ feedbackSeed: 5 }, 'fa')).toBe(5);
    expect(() => feedbackSeedOf({ feedbackSeed: -1 }, 'drtp')).toThrow(FblError);
    expect(() => feedbackSeedOf({}, 'drtp')).toThrow('drtp state: feedbackSeed must be a 32-bit unsigned integer, got undefined');
  });
});

describe('direct signals', () => {
  beforeAll(() => useBackend('wasm'));
  const convLike = (shape: number[]): Block => ({ outputShape: shape }) as unknown as Block;

  it('directSignal is source·B reshaped to the block output; positions divides a conv block\'s by √(h·w)', () => {
    const bank = feedbackBank({ generator, seed: 3, stream: 'dfa' });
    const e = tf.randomNormal([2, 4], 0, 1, 'float32', 1);
    const B = bank.get(0, [4, 3 * 2 * 5]);
    const plain = directSignal(e, convLike([3, 2, 5]), 0, bank);
    const scaled = directSignal(e, convLike([3, 2, 5]), 0, bank, 'positions');
    const expected = tf.tidy(() => tf.reshape(tf.matMul(e as tf.Tensor2D, B as tf.Tensor2D), [2, 3, 2, 5]));
    expect(plain.shape).toEqual([2, 3, 2, 5]);
    expect(values(plain)).toEqual(values(expected));
    const ratio = values(scaled).map((v, i) => v / values(plain)[i]!);
    ratio.forEach((r) => expect(r).toBeCloseTo(1 / Math.sqrt(6), 6));
    tf.dispose([e, plain, scaled, expected]);
    bank.dispose();
  });

  it('dfaSignal: the true error at the last block, B_i·e from DFA\'s bank (fan-out on the dfa stream) elsewhere', () => {
    const blocks = [dense({ inputSize: 3, units: 5, seed: 1 }), dense({ inputSize: 5, units: 2, seed: 2 })];
    const bank = dfaFeedbackBank({ seed: 4, feedback: 'regenerate' });
    const e = tf.randomNormal([3, 2], 0, 1, 'float32', 2);
    const last = dfaSignal(e, blocks, 1, bank);
    const hidden = dfaSignal(e, blocks, 0, bank);
    const B = fanOut().generate([2, 5], deriveSeed(4, 'dfa', 0));
    const expected = tf.matMul(e as tf.Tensor2D, B as tf.Tensor2D);
    expect(values(last)).toEqual(values(e));
    expect(values(hidden)).toEqual(values(expected));
    expect(bank.residentBytes()).toBe(0);
    tf.dispose([e, last, hidden, B, expected, ...blocks.flatMap((b) => b.params)]);
  });

  it('a regenerated B_i is freed at once even on a gradient tape (the signal is computed off it)', () => {
    const block = convLike([64, 64]);
    const bank = dfaFeedbackBank({ seed: 4, feedback: 'regenerate' });
    const e = tf.randomNormal([3, 2], 0, 1, 'float32', 2);
    const w = tf.variable(tf.ones([3, 2]));
    let during = 0;
    const before = tf.memory().numBytes;
    const { value, grads } = tf.variableGrads(() => {
      const s = directSignal(e, block, 0, bank); // B is 2×4096 floats, the signal 3×4096
      during = tf.memory().numBytes - before;
      return tf.sum(tf.mul(tf.sum(s), tf.sum(tf.mul(w, e))));
    }, [w]);
    expect(during).toBe(3 * 4096 * 4); // the signal only: B is gone
    tf.dispose([value, e, w, ...Object.values(grads)]);
    expect(tf.memory().numBytes).toBe(before - 3 * 2 * 4 * 2); // e and w freed, nothing left behind
  });
});
