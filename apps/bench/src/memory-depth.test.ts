import { describe, expect, it, beforeAll } from 'vitest';
import { ruleByName } from '@feedback-lab/rules';
import { useBackend } from '@feedback-lab/test-utils';
import { markdownReport, memoryDepth, summarize, svgChart } from './index';

describe('memory-depth benchmark', () => {
  beforeAll(() => useBackend('wasm'));

  it('measures every rule at every depth and reports table, ratios and chart', async () => {
    let t = 0;
    const rows = await memoryDepth({
      rules: { bp: await ruleByName('bp').load(), 'mem-dfa': await ruleByName('mem-dfa').load() }, width: 32, depths: [1, 2, 8], batchSize: 16, timedSteps: 1,
      now: () => (t += 1),
    });
    expect(rows.map((r) => `${r.rule}@${r.depth}`)).toEqual(['bp@1', 'mem-dfa@1', 'bp@2', 'mem-dfa@2', 'bp@8', 'mem-dfa@8']);
    for (const r of rows) {
      expect(r.peakTransientBytes).toBeGreaterThan(0);
      expect(r.predictedPeakTransientBytes).toBeGreaterThan(0);
      expect(r.stepMs).toBe(1);
      // each rule's own resident bytes, though the rules of one depth are alive together
      expect(Math.abs(r.residentBytes - r.predictedResidentBytes!)).toBeLessThan(2048);
    }
    const s = summarize(rows, { timeDepth: 8 });
    expect(s.growth.bp!.ratio).toBeGreaterThan(2);
    expect(s.growth['mem-dfa']!.ratio).toBeCloseTo(1, 1);
    expect(s.stepTimeVsBp['mem-dfa']).toBe(1);
    const md = markdownReport(rows, s, { width: 32 });
    expect(md).toMatch(/\| mem-dfa \| 8 \|/);
    expect(md.indexOf('| bp | 8 |')).toBeLessThan(md.indexOf('| mem-dfa | 1 |'));
    const svg = svgChart(rows);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
  });

  it('measures a rule the memory model does not cover, without a prediction', async () => {
    const rows = await memoryDepth({ rules: { 'my-rule': await ruleByName('bp').load() }, width: 16, depths: [1, 3], batchSize: 8, timedSteps: 1 });
    expect(rows.map((r) => r.predictedPeakTransientBytes)).toEqual([null, null]);
    expect(rows.every((r) => r.peakTransientBytes > 0)).toBe(true);
    const s = summarize(rows);
    expect(s.worstPredictionError).toBe(0);
    expect(markdownReport(rows, s, {})).toMatch(/\| my-rule \| 3 \| [\d.]+ \| - \| - \|/);
    expect(svgChart(rows).match(/<polyline/g)).toHaveLength(1);
  });
});
