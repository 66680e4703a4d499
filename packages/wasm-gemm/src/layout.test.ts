import { describe, expect, it } from 'vitest';
import { LayoutTuner, TRIALS, TUNE_FLOPS, type Layout } from './layout';

/** A tuner on a fake clock where each call of `slow` takes 3 ticks and of the other layout 1. */
function timed(slow: Layout) {
  let t = 0;
  const tuner = new LayoutTuner('tuned', () => t);
  const ran: Layout[] = [];
  const run = (l: Layout) => {
    ran.push(l);
    t += l === slow ? 3 : 1;
  };
  return { tuner, ran, run };
}

describe('LayoutTuner', () => {
  it('alternates layouts on a shape\'s first calls, then keeps the faster one', () => {
    for (const slow of ['packed', 'in-place'] as const) {
      const { tuner, ran, run } = timed(slow);
      for (let i = 0; i < 2 * (TRIALS + 1) + 3; i++) tuner.run('64x800x800NN', 1e8, run);
      const trials = 2 * (TRIALS + 1);
      expect(ran.slice(0, trials)).toEqual(Array.from({ length: trials }, (_, i) => (i % 2 ? 'packed' : 'in-place')));
      const fast = slow === 'packed' ? 'in-place' : 'packed';
      expect(ran.slice(trials)).toEqual([fast, fast, fast]);
      expect(tuner.picks()).toEqual({ '64x800x800NN': fast });
    }
  });

  it('ignores each layout\'s first call (the engine\'s baseline code)', () => {
    let t = 0;
    const tuner = new LayoutTuner('tuned', () => t);
    let calls = 0;
    // in place is slow only on its first call
    for (let i = 0; i < 2 * (TRIALS + 1); i++) tuner.run('k', 1e8, (l) => (t += l === 'in-place' && calls++ === 0 ? 100 : l === 'in-place' ? 1 : 2));
    expect(tuner.picks()).toEqual({ k: 'in-place' });
  });

  it('tunes each shape apart, packs small products untimed, and keeps a fixed choice', () => {
    const { tuner, run } = timed('packed');
    const small: Layout[] = [];
    for (let i = 0; i < 20; i++) {
      tuner.run('a', 1e8, run);
      tuner.run('small', TUNE_FLOPS / 2, (l) => small.push(l));
    }
    expect(small.every((l) => l === 'packed')).toBe(true);
    expect(tuner.picks()).toEqual({ a: 'in-place' });
    for (const choice of ['packed', 'in-place'] as const) {
      const fixed = new LayoutTuner(choice);
      const got: Layout[] = [];
      for (let i = 0; i < 3; i++) fixed.run('a', 1e8, (l) => got.push(l));
      expect(got).toEqual([choice, choice, choice]);
      expect(fixed.picks()).toEqual({});
    }
  });
});
