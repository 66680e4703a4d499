import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '@feedback-lab/core';
import { bpRule } from '@feedback-lab/rule-bp';
import { dfaRule } from '@feedback-lab/rule-dfa';
import { memDfaRule } from '@feedback-lab/rule-mem-dfa';
import { predictMemory, type MemoryModelRule } from './memory-model';

/** n batch-norm blocks, dense or conv, then the logits. */
function deepSpec(n: number, conv: boolean): ModelSpec {
  const block = conv
    ? { type: 'conv2d' as const, filters: 2, kernel: 3, padding: 'same' as const, activation: 'sigmoid' as const, batchNorm: true }
    : { type: 'dense' as const, units: 16, activation: 'sigmoid' as const, batchNorm: true };
  return { input: conv ? [8, 8, 1] : [16], layers: [...Array.from({ length: n }, () => block), { type: 'dense', units: 10 }] };
}

/** Fastest of a few predictions, in ms. */
function time(spec: ModelSpec, rule: MemoryModelRule): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    predictMemory({ spec, batchSize: 64, rule });
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

// The tape rules' peak was a sum over every block for every block: 1.6 s at 10⁴ blocks, 7 min at
// 10⁵. Linear, it is about 10 ms and 0.3 s here; the bounds leave a wide margin either way.
describe('predictMemory on deep models', () => {
  it.each([{ rule: bpRule, conv: false }, { rule: dfaRule, conv: true }, { rule: memDfaRule, conv: false }])('$rule.name: 10⁴ blocks well under a second', ({ rule, conv }) => {
    expect(time(deepSpec(10_000, conv), rule)).toBeLessThan(250);
  });

  it('predicts 10⁵ blocks in seconds, without overflowing the stack', () => {
    const spec = deepSpec(100_000, false);
    expect(time(spec, bpRule)).toBeLessThan(3000);
    expect(predictMemory({ spec, batchSize: 1, rule: bpRule }).peakBytes).toBeGreaterThan(100_000 * 16 * 4);
  });
});
