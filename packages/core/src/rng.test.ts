import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, permutation } from './rng';

describe('rng', () => {
  it('repeats for the same seed and resumes from its state', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    const c = createRng(a.state);
    expect(c.next()).toBe(a.next());
    expect(createRng(43).next()).not.toBe(createRng(42).next());
  });

  it('draws normals with mean 0 and variance 1', () => {
    const r = createRng(7);
    const n = 20000;
    const xs = Array.from({ length: n }, () => r.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });

  it('makes permutations and distinct derived seeds', () => {
    const p = permutation(100, createRng(1));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(deriveSeed(1, 'init', 1)).not.toBe(deriveSeed(1, 'init', 2));
    expect(deriveSeed(1, 'init', 1)).toBe(deriveSeed(1, 'init', 1));
  });
});
