import { describe, expect, it } from 'vitest';
import { advance, rungs, survivors, type Bracket } from './halving';

describe('rungs', () => {
  it('divides the epochs by eta as far as the epochs and the trials allow', () => {
    expect(rungs(9, 3, 27)).toEqual([1, 3, 9]);
    expect(rungs(9, 3, 5)).toEqual([3, 9]);
    expect(rungs(2, 2, 4)).toEqual([1, 2]);
    expect(rungs(5, 2, 8)).toEqual([1, 3, 5]);
    expect(rungs(1, 3, 27)).toEqual([1]);
    expect(rungs(4, undefined, 27)).toEqual([4]);
  });

  it('keeps 1/eta of the trials, at least one', () => {
    expect(survivors(9, 3)).toBe(3);
    expect(survivors(4, 3)).toBe(1);
    expect(survivors(1, 3)).toBe(1);
  });
});

describe('advance', () => {
  /** Trials scored by a table per rung; `open` trials have not reached that rung. */
  const bracket = (scores: Record<number, Record<string, number | undefined>>, open: string[] = [], maximize = true): Bracket => ({
    trials: ['t1', 't2', 't3', 't4'], rungs: [1, 2, 4], eta: 2, maximize,
    score: (t, e) => scores[e]?.[t],
    settled: (t, e) => !open.includes(`${t}@${e}`) && e in scores,
  });

  it('stops the worse half at each settled rung and stands at the first unsettled one', () => {
    const b = advance(bracket({ 1: { t1: 0.5, t2: 0.9, t3: 0.7, t4: 0.2 }, 2: { t2: 0.91, t3: 0.95 } }));
    expect(b.decisions).toEqual([{ epochs: 1, kept: ['t2', 't3'], stopped: ['t1', 't4'] }, { epochs: 2, kept: ['t3'], stopped: ['t2'] }]);
    expect(Object.fromEntries(b.target)).toEqual({ t1: 1, t2: 2, t3: 4, t4: 1 });
    expect(Object.fromEntries(b.stopped)).toEqual({ t1: 1, t4: 1, t2: 2 });
  });

  it('waits for every trial of a rung before deciding', () => {
    const b = advance(bracket({ 1: { t1: 0.5, t2: 0.9, t3: 0.7, t4: 0.2 } }, ['t4@1']));
    expect(b.decisions).toEqual([]);
    expect(Object.fromEntries(b.target)).toEqual({ t1: 1, t2: 1, t3: 1, t4: 1 });
  });

  it('never continues a trial without a score (diverged), and ranks losses low first', () => {
    const b = advance(bracket({ 1: { t1: undefined, t2: 0.3, t3: 0.2, t4: undefined }, 2: {} }, [], false));
    expect(b.decisions[0]).toEqual({ epochs: 1, kept: ['t3', 't2'], stopped: ['t1', 't4'] });
    const all = advance(bracket({ 1: {} }));
    expect(all.decisions[0]).toEqual({ epochs: 1, kept: [], stopped: ['t1', 't2', 't3', 't4'] });
  });
});
