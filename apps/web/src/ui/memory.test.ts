import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../protocol';
import type { RunData } from '../runs';
import { perStepLines, phaseSummary, timelineLines } from './memory';

const rec = (step: number): StepRecord => ({
  step, startBytes: 100, peakBytes: 400, transientBytes: 300,
  phases: [{ phase: 'forward', peakBytes: 250 }, { phase: 'update:dense1', peakBytes: 300 }, { phase: 'update:dense2', peakBytes: 400 }],
  timeline: [{ phase: 'forward', bytes: 250 }, { phase: 'update:dense1', bytes: 300 }, { phase: 'update:dense2', bytes: 400 }],
});
const run = (memory: StepRecord[]): RunData => ({
  info: { id: 3, rule: 'mem-dfa', backend: 'wasm', arch: '8-4', paramBytes: 10 },
  loss: { x: [], y: [] }, accuracy: { x: [], y: [] }, samplesPerSec: { x: [], y: [] }, memory, status: 'done',
});

describe('memory panel data', () => {
  it('draws peak and resident per profiled step', () => {
    const [peak, resident] = perStepLines([run([rec(0), rec(5)])]);
    expect(peak).toMatchObject({ label: '#3 mem-dfa peak', x: [0, 5], y: [400, 400] });
    expect(resident).toMatchObject({ dashed: true, y: [100, 100] });
  });

  it('draws the latest step as transient bytes per kernel and folds per-block phases', () => {
    const r = run([rec(0), rec(5)]);
    expect(timelineLines([r])[0]).toMatchObject({ label: '#3 mem-dfa (step 5)', x: [0, 1, 2, 3], y: [0, 150, 200, 300] });
    expect(phaseSummary(r)).toEqual([{ phase: 'forward', transientBytes: 150 }, { phase: 'update', transientBytes: 300 }]);
    expect(timelineLines([run([])])).toEqual([]);
  });
});
