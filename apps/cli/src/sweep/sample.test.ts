import { describe, expect, it } from 'vitest';
import { expandTrials } from './sample';
import { parseParamFlag } from './space';

const space = (...flags: string[]) => flags.map(parseParamFlag);

describe('expandTrials', () => {
  it('expands a grid, the first parameter changing slowest', () => {
    const trials = expandTrials(space('lr=0.01,0.1', 'optimizer=sgd,momentum,adam'), { searchSeed: 1 });
    expect(trials.map((t) => t.id)).toEqual(['t001', 't002', 't003', 't004', 't005', 't006']);
    expect(trials.map((t) => t.values)).toEqual([
      { lr: 0.01, optimizer: 'sgd' }, { lr: 0.01, optimizer: 'momentum' }, { lr: 0.01, optimizer: 'adam' },
      { lr: 0.1, optimizer: 'sgd' }, { lr: 0.1, optimizer: 'momentum' }, { lr: 0.1, optimizer: 'adam' },
    ]);
  });

  it('refuses a range without --trials', () => {
    expect(() => expandTrials(space('lr=log:0.001:0.1'), { searchSeed: 1 })).toThrow(/lr is a range: give --trials N for a random search/);
  });

  it('draws the same random trials from the same search seed, other ones from another', () => {
    const s = space('lr=log:0.001:0.1', 'optimizer=sgd,adam', 'batch-size=uniform:16:128');
    const a = expandTrials(s, { trials: 12, searchSeed: 7 });
    expect(expandTrials(s, { trials: 12, searchSeed: 7 })).toEqual(a);
    expect(expandTrials(s, { trials: 12, searchSeed: 8 })).not.toEqual(a);
    expect(a.map((t) => t.id).at(-1)).toBe('t012');
    // More trials from the same seed start with the same ones.
    expect(expandTrials(s, { trials: 20, searchSeed: 7 }).slice(0, 12).map((t) => t.values)).toEqual(a.map((t) => t.values));
  });

  it('stays within its ranges; integer ranges draw integers and reach both ends', () => {
    const trials = expandTrials(space('lr=uniform:0.01:0.02', 'batch-size=uniform:1:4', 'lr-decay-steps=log-int:1:8'), { trials: 400, searchSeed: 3 });
    const col = (k: string) => trials.map((t) => t.values[k] as number);
    expect(Math.min(...col('lr'))).toBeGreaterThanOrEqual(0.01);
    expect(Math.max(...col('lr'))).toBeLessThanOrEqual(0.02);
    expect(new Set(col('batch-size'))).toEqual(new Set([1, 2, 3, 4]));
    expect(col('lr-decay-steps').every((x) => Number.isInteger(x) && x >= 1 && x <= 8)).toBe(true);
    expect(new Set(col('lr-decay-steps')).has(8)).toBe(true);
  });

  it('spreads a log-uniform range evenly over its decades', () => {
    const lr = expandTrials(space('lr=log:0.0001:1'), { trials: 2000, searchSeed: 1 }).map((t) => t.values.lr as number);
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(0.0001);
    expect(Math.max(...lr)).toBeLessThanOrEqual(1);
    // A quarter of the draws in each decade (a uniform draw would put 90 % in the last one).
    for (const [lo, hi] of [[1e-4, 1e-3], [1e-3, 1e-2], [1e-2, 1e-1], [1e-1, 1]] as const) {
      const share = lr.filter((x) => x >= lo && x < hi).length / lr.length;
      expect(share, `${lo}..${hi}`).toBeGreaterThan(0.2);
      expect(share, `${lo}..${hi}`).toBeLessThan(0.3);
    }
  });
});
