import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictMemory } from '@feedback-lab/profiler';
import { ruleByName } from '@feedback-lab/rules';
import { useBackend } from '@feedback-lab/test-utils';
import { fitMemoryCoefficients, measureFitCase, memoryFitCases, memoryFitErrors, nnls, type FitRow } from './memory-fit';

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
