import { describe, expect, it } from 'vitest';
import type { StepRecord } from './protocol';
import { createRunStore, median, summarize } from './runs';

const mem = (step: number, start: number, peak: number): StepRecord =>
  ({ step, startBytes: start, peakBytes: peak, transientBytes: peak - start, phases: [], timeline: [] });

describe('run store', () => {
  it('collects a run and summarises it', () => {
    const store = createRunStore();
    expect(store.apply({ type: 'batch', id: 1, step: 1, loss: 2, samplesPerSec: 10 })).toBe(false); // unknown run
    store.apply({ type: 'runStart', run: { id: 1, rule: 'bp', backend: 'wasm (SIMD)', arch: '784-10', paramBytes: 31400 } });
    store.apply({ type: 'eval', id: 1, step: 0, testAccuracy: 0.1 });
    store.apply({ type: 'eval', id: 1, step: 0, testAccuracy: 0.1 }); // duplicate step ignored
    for (const [step, sps] of [[1, 100], [2, 5], [3, 120]] as const) store.apply({ type: 'batch', id: 1, step, loss: 3 - step, samplesPerSec: sps });
    store.apply({ type: 'memory', id: 1, record: mem(0, 1000, 5000) });
    store.apply({ type: 'memory', id: 1, record: mem(2, 1200, 4000) });
    store.apply({ type: 'eval', id: 1, step: 3, testAccuracy: 0.6 });
    store.apply({ type: 'runEnd', id: 1, reason: 'done' });
    const [run] = store.runs();
    expect(run!.accuracy.y).toEqual([0.1, 0.6]);
    expect(summarize(run!)).toMatchObject({
      rule: 'bp', status: 'done', steps: 3, loss: 0, firstAccuracy: 0.1, accuracy: 0.6,
      samplesPerSec: 100, residentBytes: 1200, peakTransientBytes: 2800, peakBytes: 5000, // step 0's one-off excluded
    });
    store.clear();
    expect(store.runs()).toEqual([]);
  });

  it('median ignores outliers', () => {
    expect(median([])).toBeNaN();
    expect(median([3, 1, 1000, 2])).toBe(2.5);
  });
});
