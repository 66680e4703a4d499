import { describe, expect, it } from 'vitest';
import { presetSpec } from '@feedback-lab/core';
import { bpRule } from '@feedback-lab/rule-bp';
import { dfaRule } from '@feedback-lab/rule-dfa';
import { memDfaRule } from '@feedback-lab/rule-mem-dfa';
import { largestBatch, ruleFits, WASM32_LIMIT_BYTES } from './budget';
import { predictMemory, type MemoryModelRule } from './memory-model';

const spec = presetSpec('long-fc-100', { inputShape: [784], numClasses: 10 });
const peak = (rule: MemoryModelRule, batchSize: number) => predictMemory({ spec, batchSize, rule }).peakBytes;

describe('largestBatch', () => {
  it.each<MemoryModelRule>([bpRule, dfaRule, memDfaRule])('$name: the batch it returns fits and one more does not', (rule) => {
    const b = largestBatch({ spec, rule });
    expect(b).toBeGreaterThan(0);
    expect(peak(rule, b)).toBeLessThanOrEqual(WASM32_LIMIT_BYTES);
    expect(peak(rule, b + 1)).toBeGreaterThan(WASM32_LIMIT_BYTES);
  });

  it('is 0 when one sample is over the limit and maxBatch when everything fits', () => {
    expect(largestBatch({ spec, rule: bpRule }, peak(bpRule, 1) - 1)).toBe(0);
    expect(largestBatch({ spec, rule: bpRule }, peak(bpRule, 64), 64)).toBe(64);
  });
});

describe('ruleFits', () => {
  it('long-fc-100 at batch 8192 under 3500 MiB: BP and DFA do not fit, MEM-DFA does, with a far larger batch', () => {
    const limitBytes = 3500 * 2 ** 20;
    const fits = ruleFits({ spec, batchSize: 8192, rules: [bpRule, dfaRule, memDfaRule], limitBytes });
    expect(fits.map((f) => [f.rule, f.fits])).toEqual([['bp', false], ['dfa', false], ['mem-dfa', true]]);
    for (const f of fits) {
      expect(f.peakBytes).toBe(peak([bpRule, dfaRule, memDfaRule].find((r) => r.name === f.rule)!, 8192));
      expect(f.fits).toBe(f.peakBytes <= limitBytes);
      expect(f.largestBatch >= 8192).toBe(f.fits);
    }
    expect(fits[2]!.largestBatch).toBeGreaterThan(20 * fits[0]!.largestBatch);
  });
});
