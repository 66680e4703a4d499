import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, beforeAll } from 'vitest';
import { FblError, type FeedbackGenerator } from '@feedback-lab/core';
import { useBackend } from '@feedback-lab/test-utils';
import { gaussian, heNormal, orthogonal, sharedSlice, sign, sparse, uniform, xavier, generatorByName, GENERATOR_NAMES } from './index';

const SHAPE = [20, 500] as const;

function stats(g: FeedbackGenerator, shape: readonly number[] = SHAPE, seed = 1) {
  const t = g.generate(shape, seed);
  const v = t.dataSync();
  t.dispose();
  let sum = 0;
  let sq = 0;
  let zeros = 0;
  for (const x of v) {
    sum += x;
    sq += x * x;
    if (x === 0) zeros++;
  }
  const mean = sum / v.length;
  return { v: Float32Array.from(v), mean, variance: sq / v.length - mean * mean, density: 1 - zeros / v.length };
}

describe('feedback generators', () => {
  beforeAll(() => useBackend('wasm'));

  it.each([
    ['gaussian', gaussian({ std: 0.5 }), 0.25],
    ['uniform', uniform({ limit: 0.3 }), 0.09 / 3],
    ['he-normal', heNormal(), 2 / 20],
    ['xavier', xavier(), 6 / 520 / 3],
    ['sign', sign({ scale: 2 }), 4 / 20],
    ['ternary', sparse(), 1 / 20],
    ['sparse', sparse({ density: 0.1 }), 1 / 20],
  ] as const)('%s has zero mean and the stated variance', (_name, g, variance) => {
    const s = stats(g);
    expect(Math.abs(s.mean)).toBeLessThan(4 * Math.sqrt(variance / s.v.length));
    expect(s.variance / variance).toBeGreaterThan(0.95);
    expect(s.variance / variance).toBeLessThan(1.05);
  });

  it('scale multiplies every entry', () => {
    const a = stats(gaussian(), SHAPE, 4).v;
    const b = stats(gaussian({ scale: 3 }), SHAPE, 4).v;
    a.forEach((x, i) => expect(b[i]).toBeCloseTo(3 * x, 5));
  });

  it('sparse feedback has the requested density and only ±v entries', () => {
    const s = stats(sparse({ density: 0.1 }));
    expect(s.density).toBeGreaterThan(0.09);
    expect(s.density).toBeLessThan(0.11);
    const v = 1 / Math.sqrt(0.1 * 20);
    for (const x of s.v) expect([0, v, -v].some((y) => Math.abs(x - y) < 1e-6)).toBe(true);
  });

  it('orthogonal rows (wide) or columns (tall) are orthonormal', () => {
    for (const shape of [[10, 300], [300, 10], [50, 50]]) {
      const q = orthogonal({ scale: 1 }).generate(shape, 3) as tf.Tensor2D;
      const gram = tf.tidy(() => (shape[0]! <= shape[1]! ? tf.matMul(q, q, false, true) : tf.matMul(q, q, true, false)));
      const eye = tf.eye(Math.min(shape[0]!, shape[1]!));
      expect(tf.max(tf.abs(tf.sub(gram, eye))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([q, gram, eye]);
    }
  });

  it('shared-slice gives nested slices of one matrix whatever the per-layer seed', () => {
    const g = sharedSlice({ seed: 5 });
    const wide = stats(g, [10, 40], 11).v;
    const narrow = stats(g, [10, 25], 99).v;
    for (let r = 0; r < 10; r++) for (let c = 0; c < 25; c++) expect(narrow[r * 25 + c]).toBe(wide[r * 40 + c]);
    expect(() => g.generate([2, 3, 4], 1)).toThrow(FblError);
  });

  it.each(GENERATOR_NAMES.map((n) => [n]))('%s: same seed gives the same matrix, another seed a different one', (name) => {
    const g = generatorByName(name);
    const a = stats(g, [10, 64], 1).v;
    const b = stats(g, [10, 64], 1).v;
    const c = stats(g, [10, 64], 2).v;
    expect(Array.from(a)).toEqual(Array.from(b));
    if (name !== 'shared-slice') expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('gives the same bits on wasm and cpu, so a matrix can be regenerated anywhere', async () => {
    const onWasm = stats(orthogonal(), [8, 30], 7).v;
    await useBackend('cpu');
    const onCpu = stats(orthogonal(), [8, 30], 7).v;
    await useBackend('wasm');
    expect(Array.from(onCpu)).toEqual(Array.from(onWasm));
  });

  it('rejects bad shapes, scales, densities and names with a typed error', () => {
    expect(() => gaussian().generate([0, 3], 1)).toThrow(/feedback shape/);
    expect(() => gaussian({ scale: NaN })).toThrow(FblError);
    expect(() => sparse({ density: 0 })).toThrow(/density/);
    expect(() => generatorByName('nope')).toThrow(/unknown feedback generator "nope"/);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    for (const n of GENERATOR_NAMES) generatorByName(n).generate([4, 6], 1).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
