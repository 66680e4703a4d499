import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictMemory } from '@feedback-lab/profiler';
import { ruleByName } from '@feedback-lab/rules';
import { useBackend } from '@feedback-lab/test-utils';
import { fitMemoryCoefficients, measureFitCase, memoryFitCases, memoryFitErrors, nnls, UNDER_LIMIT, type FitRow } from './memory-fit';

describe('nnls', () => {
  it('solves an exact system and clamps a coefficient that wants to be negative', () => {
    const a = [[1, 0], [0, 1], [1, 1]];
    expect(nnls(a, [2, 3, 5]).map((v) => +v.toFixed(6))).toEqual([2, 3]);
    // unconstrained optimum has x1 < 0: the constrained one puts it at 0
    const x = nnls([[1, 1], [1, 2], [1, 3]], [3, 2, 1]);
    expect(x[1]).toBe(0);
    expect(x[0]).toBeCloseTo(2, 6);
  });
});

const bpRule = ruleByName('bp');
const memDfaRule = ruleByName('mem-dfa');

describe('fitMemoryCoefficients', () => {
  const rows = (memory: typeof bpRule.memory, coefficients: number[]): FitRow[] => memoryFitCases().map((c) => ({
    ...c,
    measured: predictMemory({ spec: c.spec, batchSize: c.batch, rule: { name: 't', memory: { ...memory, coefficients: coefficients as never } } }).peakTransientBytes,
  }));

  it.each([['bp', bpRule.memory], ['mem-dfa (block schedule)', memDfaRule.memory]] as const)('recovers coefficients that generated the rows (%s), from the shipped ones as a start', (_, memory) => {
    const truth = [0.8, 2.5, 4, 1.5, 1.2, 2];
    const data = rows(memory, truth);
    const before = memoryFitErrors(memory, data).worst;
    const fit = fitMemoryCoefficients(memory, data);
    expect(fit.worst).toBeLessThan(0.01);
    expect(fit.worst).toBeLessThan(before);
    expect(fit.errors).toHaveLength(data.length);
  });
});

describe('the fit for budget decisions', () => {
  const predictedRows = (memory: typeof bpRule.memory, factor: (i: number) => number, only = (_: FitRow) => true): FitRow[] => memoryFitCases()
    .map((c) => ({ ...c, measured: predictMemory({ spec: c.spec, batchSize: c.batch, rule: { name: 't', memory } }).peakTransientBytes }))
    .filter(only)
    .map((r, i) => ({ ...r, measured: r.measured * factor(i) }));

  it('reports the worst under- and over-prediction apart, with their rows', () => {
    const rows = predictedRows(bpRule.memory, (i) => (i === 3 ? 1.25 : i === 7 ? 0.8 : 1));
    const e = memoryFitErrors(bpRule.memory, rows);
    expect(e.under.row).toBe(3);
    expect(e.under.error).toBeCloseTo(1 / 1.25 - 1, 6);
    expect(e.over.row).toBe(7);
    expect(e.over.error).toBeCloseTo(1 / 0.8 - 1, 6);
    expect(e.worst).toBeCloseTo(0.25, 6);
  });

  it('keeps every row within the under-prediction limit where the smallest symmetric fit could not', () => {
    // measured ±7 % around a formula, on steps whose peak its coefficients set (activations at
    // batch 1024, not the update): centred, the fit would under-predict by 7 %; kept within 5 %,
    // it over-predicts by 9.3 % at best (every number scaled by 1.0165), more where the formula's
    // fixed terms (parameters, held inputs) do not scale: 14–18 % with BP's formula on these rows
    const rows = predictedRows(bpRule.memory, (i) => (i % 2 ? 1.07 : 0.93), (r) => r.batch === 1024);
    const fit = fitMemoryCoefficients(bpRule.memory, rows);
    expect(Math.min(...fit.errors)).toBeGreaterThanOrEqual(-UNDER_LIMIT);
    expect(Math.max(...fit.errors)).toBeLessThan(0.2);
  });

  it('fits a block rule\'s batch-norm slopes too', () => {
    const truth = { ...memDfaRule.memory, batchNorm: { dense: [3, 0], conv: [2, 0] } } as const;
    const rows = predictedRows(truth, () => 1, (r) => !r.name.startsWith('mlp') || r.batch === 1024);
    expect(memoryFitErrors(memDfaRule.memory, rows).worst).toBeGreaterThan(0.1);
    const fit = fitMemoryCoefficients(memDfaRule.memory, rows);
    expect(fit.worst).toBeLessThan(0.01);
    expect(fit.batchNorm.dense[0]).toBeCloseTo(3, 1);
    expect(fit.batchNorm.conv[0]).toBeCloseTo(2, 1);
  });
});

describe('measureFitCase', () => {
  beforeAll(() => useBackend('wasm'));

  it('profiles a real step and leaks no tensor; the shipped BP formula is within 15 % of it', async () => {
    const c = memoryFitCases().find((x) => x.name === 'mlp 128×2' && x.batch === 32)!;
    const before = tf.memory().numTensors;
    const measured = await measureFitCase(await bpRule.load(), c);
    expect(tf.memory().numTensors).toBe(before);
    expect(measured).toBeGreaterThan(0);
    expect(Math.abs(memoryFitErrors(bpRule.memory, [{ ...c, measured }]).worst)).toBeLessThan(0.15);
  });
});
