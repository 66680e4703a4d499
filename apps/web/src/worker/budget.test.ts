import { describe, expect, it } from 'vitest';
import { predictMemory } from '@feedback-lab/profiler';
import { RULES, ruleByName } from '@feedback-lab/rules';
import { presetSpec } from '@feedback-lab/core';
import type { RunConfig } from '../protocol';
import { budgetLines, budgetRows } from '../ui/budget';
import { budgetRefusal, budgetReport, HEAP_BUDGET_BYTES, HEAP_LIMIT_BYTES } from './budget';

const config = (o: Partial<RunConfig>): RunConfig => ({
  rule: 'bp', dataset: 'mnist', arch: [784, 10], activation: 'sigmoid', optimizer: 'momentum', lr: 0.01, batchSize: 64,
  backend: 'wasm', epochs: 1, maxSteps: 0, evalEvery: 50, evalLimit: 1000, profileEvery: 20, seed: 1, feedbackScale: 1, normalize: false, ...o,
});
const MiB = 2 ** 20;

describe('the browser memory budget', () => {
  const demo = config({ preset: 'long-fc-100', batchSize: 3072 });

  it('reports every rule against the heap: BP over it, MEM-DFA far below, with the largest batch each fits', () => {
    const r = budgetReport(demo);
    expect(r.limitBytes).toBe(4 * 2 ** 30 - 2 ** 16);
    expect(r.budgetBytes).toBe(HEAP_BUDGET_BYTES);
    expect(r.rows.map((x) => x.rule)).toEqual(RULES.map((x) => x.name));
    const row = (name: string) => r.rows.find((x) => x.rule === name)!;
    const spec = presetSpec('long-fc-100', { inputShape: [784], numClasses: 10 });
    expect(row('bp').peakBytes).toBe(predictMemory({ spec, batchSize: 3072, rule: ruleByName('bp'), optimizer: 'momentum' }).peakBytes);
    expect(row('bp').peakBytes).toBeGreaterThan(HEAP_LIMIT_BYTES);
    expect(row('bp').fits).toBe(false);
    expect(row('mem-dfa').fits).toBe(true);
    expect(row('mem-dfa').peakBytes).toBeLessThan(row('bp').peakBytes / 10);
    // the largest batch that fits really is the edge: it fits, one more does not
    for (const name of ['bp', 'mem-dfa']) {
      const b = row(name).largestBatch;
      const at = (batchSize: number) => predictMemory({ spec, batchSize, rule: ruleByName(name), optimizer: 'momentum' }).peakBytes;
      expect(at(b)).toBeLessThanOrEqual(r.budgetBytes);
      expect(at(b + 1)).toBeGreaterThan(r.budgetBytes);
    }
    expect(row('bp').largestBatch).toBeLessThan(3072);
    expect(row('mem-dfa').largestBatch).toBeGreaterThan(3072);
  });

  it('plots the peak against depth for depth presets: BP grows with depth, MEM-DFA stays flat', () => {
    const r = budgetReport(demo);
    const d = r.byDepth!;
    expect(d.x).toContain(100);
    const bp = d.peaks.bp!;
    const mem = d.peaks['mem-dfa']!;
    expect(bp.every((v, i) => i === 0 || v > bp[i - 1]!)).toBe(true);
    const at = (xs: number[], depth: number) => xs[d.x.indexOf(depth)]!;
    expect(at(bp, 1000) / at(bp, 10)).toBeGreaterThan(50);
    // MEM-DFA: what stays (weights, momentum, feedback matrices) grows with depth, the step's activations do not
    const resident = (depth: number) => predictMemory({ spec: presetSpec(`long-fc-${depth}`, { inputShape: [784], numClasses: 10 }), batchSize: 3072, rule: ruleByName('mem-dfa'), optimizer: 'momentum' }).resident.total;
    const transient = (depth: number) => at(mem, depth) - resident(depth);
    expect(Math.abs(transient(1000) - transient(10))).toBeLessThan(0.05 * transient(10));
    expect(at(mem, 1000)).toBeLessThan(HEAP_BUDGET_BYTES);
    expect(budgetReport(config({ arch: [784, 100, 10] })).byDepth).toBeUndefined();
    const lines = budgetLines(r, 'byDepth');
    expect(lines.map((l) => l.label)).toEqual([...RULES.map((x) => x.name), 'wasm heap limit', 'budget']);
    expect(lines.at(-2)!.y.every((v) => v === r.limitBytes)).toBe(true);
  });

  it('refuses a run that does not fit, with the numbers, the rules that fit and the batch that would', () => {
    const msg = budgetRefusal(demo)!;
    expect(msg).toMatch(/^bp refused before allocating: long-fc-100 at batch 3072 needs about \d+ MiB \(predicted\), over the 3072 MiB budget of the browser's 4096 MiB wasm heap; /);
    expect(msg).toMatch(/mem-dfa \(\d+ MiB\)/);
    expect(msg).toMatch(/, or bp at batch ≤ \d+$/);
    expect(budgetRefusal({ ...demo, rule: 'mem-dfa' })).toBeUndefined();
    expect(budgetRefusal(config({ arch: [784, 800, 800, 10], batchSize: 64 }))).toBeUndefined();
  });

  it('takes what the engine already holds off the budget', () => {
    const fits = config({ preset: 'long-fc-30', batchSize: 2048 });
    const need = budgetReport(fits).rows.find((x) => x.rule === 'bp')!.peakBytes;
    expect(budgetRefusal(fits)).toBeUndefined();
    const held = HEAP_BUDGET_BYTES - need + 10 * MiB;
    expect(budgetReport(fits, held).budgetBytes).toBe(HEAP_BUDGET_BYTES - held);
    expect(budgetRefusal(fits, held)).toMatch(/budget \(3072 MiB less \d+ MiB already held\)/);
  });

  it('sizes CIFAR-10 runs by its 32×32×3 images', () => {
    const c = config({ dataset: 'cifar10', preset: 'long-conv-10', batchSize: 256 });
    const spec = presetSpec('long-conv-10', { inputShape: [32, 32, 3], numClasses: 10 });
    expect(budgetReport(c).rows[0]!.peakBytes).toBe(predictMemory({ spec, batchSize: 256, rule: RULES[0]!, optimizer: 'momentum' }).peakBytes);
    expect(budgetRows(budgetReport(c))[0]!.peak).toMatch(/MiB|GiB/);
  });
});
