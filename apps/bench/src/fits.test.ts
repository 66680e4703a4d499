import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_BUDGET_BYTES, predictMemory, WASM32_LIMIT_BYTES } from '@feedback-lab/profiler';
import { ruleByName } from '@feedback-lab/rules';
import { cellError, fitsGrid, fitsMarkdown, fitsSvg, forwardFlops } from './fits';
import { longSpec } from './memory-fit';

const rules = ['bp', 'dfa', 'mem-dfa'].map(ruleByName);

describe('forwardFlops', () => {
  it('counts 2·B·in·out per dense layer and 2·B·positions·k²·c_in·c_out per conv', () => {
    expect(forwardFlops({ input: [784], layers: [{ type: 'dense', units: 500 }, { type: 'dense', units: 10 }] }, 8)).toBe(2 * 8 * (784 * 500 + 500 * 10));
    // same padding keeps 28×28; the dense layer then sees 28·28·5 inputs
    expect(forwardFlops(longSpec('long-conv-1'), 2)).toBe(2 * 2 * (28 * 28 * 25 * 1 * 5 + 28 * 28 * 5 * 10));
  });
});

describe('fitsGrid', () => {
  const cells = fitsGrid({ depths: [10, 100], rules });

  it('gives each cell the largest batch under the limit: one more sample is over it', () => {
    expect(cells).toHaveLength(2 * 2 * 3);
    for (const c of cells) {
      const spec = longSpec(`${c.model}-${c.depth}`);
      const peak = (b: number) => predictMemory({ spec, batchSize: b, rule: ruleByName(c.rule), optimizer: 'momentum' }).peakBytes;
      expect(peak(c.batch)).toBeLessThanOrEqual(WASM32_LIMIT_BYTES);
      expect(peak(c.batch + 1)).toBeGreaterThan(WASM32_LIMIT_BYTES);
      expect(peak(c.measureBatch)).toBeLessThanOrEqual(DEFAULT_MEMORY_BUDGET_BYTES);
      expect(c.measureBatch).toBeLessThan(c.batch);
      expect(c.predictedPeakBytes).toBe(peak(c.measureBatch));
    }
  });

  it('BP\'s largest batch falls about 10× from depth 10 to 100; MEM-DFA\'s hardly moves', () => {
    const at = (model: string, rule: string, depth: number) => cells.find((c) => c.model === model && c.rule === rule && c.depth === depth)!.batch;
    for (const model of ['long-fc', 'long-conv']) {
      expect(at(model, 'bp', 10) / at(model, 'bp', 100)).toBeGreaterThan(7);
      expect(at(model, 'mem-dfa', 10) / at(model, 'mem-dfa', 100)).toBeLessThan(1.2);
      expect(at(model, 'mem-dfa', 100)).toBeGreaterThan(20 * at(model, 'bp', 100));
    }
  });

  it('writes the table with measured cells marked and their error, and a plot with one line per distinct curve', () => {
    const withMeasure = cells.map((c, i) => (i === 0 ? { ...c, measured: { peakBytes: c.predictedPeakBytes * 1.02, seconds: 3 } } : { ...c, note: 'too slow here' }));
    expect(cellError(withMeasure[0]!)).toBeCloseTo(0.02, 10);
    const md = fitsMarkdown(withMeasure, { command: 'fbl bench fits' });
    expect(md).toContain(`| bp | ${withMeasure[0]!.batch} ✓ |`);
    expect(md).toContain('| +2.0 % |');
    expect(md.match(/too slow here/g)).toHaveLength(cells.length - 1);
    const svg = fitsSvg(cells, 'fits');
    expect(svg.startsWith('<svg')).toBe(true);
    // long-fc: dfa's largest batches 9–10 % under bp's (24106 and 2346 against 26420 and 2601), one
    // line; long-conv: 11 % under, two lines; mem-dfa far from both
    for (const name of ['fc bp +1', 'fc mem-dfa', 'conv bp', 'conv dfa', 'conv mem-dfa']) expect(svg).toContain(`>${name}<`);
    expect(svg).not.toContain('>fc dfa<');
  });
});
