import { describe, expect, it, beforeAll } from 'vitest';
import { ruleByName } from '@feedback-lab/rules';
import { useBackend } from '@feedback-lab/test-utils';
import { depthSpec, markdownReport, memoryDepth, slope, summarize, svgChart, type FreshMeasure } from './index';

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
    expect(s.growth.bp!.ratio).toBeGreaterThan(1.5); // ×1.97 measured (2 → 8 blocks): one activation per block
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

  it('runs the conv variant: BP grows per conv block, MEM-DFA stays flat; fresh figures land in rows and slopes', async () => {
    const calls: string[] = [];
    // stands in for the CLI's child process; its figures are a known line in depth
    const fresh = async (rule: string, spec: ReturnType<typeof depthSpec>, batch: number): Promise<FreshMeasure> => {
      calls.push(`${rule}:${spec.layers.length - 1}:${batch}`);
      return { heapBytes: 2 ** 24 + (spec.layers.length - 1) * 3 * 2 ** 20, peakBytes: 1000 };
    };
    const rows = await memoryDepth({ rules: { bp: await ruleByName('bp').load(), 'mem-dfa': await ruleByName('mem-dfa').load() }, kind: 'conv', width: 4, depths: [2, 4], batchSize: 8, timedSteps: 1, fresh });
    // from depth 2: a first block's input is the batch (not transient), later blocks' are not
    expect(calls).toEqual(['bp:2:8', 'mem-dfa:2:8', 'bp:4:8', 'mem-dfa:4:8']);
    expect(rows.every((r) => r.kind === 'conv' && r.freshPeakBytes === 1000)).toBe(true);
    const s = summarize(rows);
    expect(s.perLayer.bp!.heapBytes).toBeCloseTo(3 * 2 ** 20, 3);
    // a 16×16×4 activation at batch 8 is 32 KiB: BP keeps about one per block, MEM-DFA none
    expect(s.perLayer.bp!.engineBytes).toBeGreaterThan(16 * 16 * 4 * 8 * 4 * 0.9);
    // MEM-DFA adds only resident bytes per block (its weights, momentum and a 10×1024 B_i)
    expect(s.growth['mem-dfa']!.ratio).toBeCloseTo(1, 1);
    const mem = rows.filter((r) => r.rule === 'mem-dfa');
    const residentPerBlock = (mem[1]!.residentBytes - mem[0]!.residentBytes) / 2;
    expect(s.perLayer['mem-dfa']!.engineBytes).toBeCloseTo(residentPerBlock, -2);
    expect(markdownReport(rows, s, {})).toMatch(/\| bp \| 3\.00 \| [\d.]+ \|/);
  });

  it('builds the depth models: MLP widths, and conv blocks of constant activation size', () => {
    expect(depthSpec('mlp', 8, 2).layers.map((l) => (l.type === 'dense' ? l.units : 0))).toEqual([8, 8, 10]);
    const conv = depthSpec('conv', 6, 3);
    expect(conv.input).toEqual([16, 16, 6]);
    expect(conv.layers.filter((l) => l.type === 'conv2d')).toHaveLength(3);
    expect(slope([[1, 5], [2, 7], [4, 11]])).toBeCloseTo(2, 10);
  });
});
