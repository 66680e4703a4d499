import { describe, expect, it } from 'vitest';
import { median, medianRatioInterval } from './stats';

describe('medianRatioInterval', () => {
  it('brackets the ratio of medians, is reproducible, and is a point for noiseless pairs', () => {
    const b = Array.from({ length: 101 }, (_, i) => 10 + (i % 7) * 0.3);
    const a = b.map((x, i) => 1.1 * x + ((i * 37) % 11) * 0.05 - 0.25);
    const [lo, hi] = medianRatioInterval(a, b);
    const point = median(a) / median(b);
    expect(lo).toBeLessThanOrEqual(point);
    expect(hi).toBeGreaterThanOrEqual(point);
    expect(lo).toBeGreaterThan(1);
    expect(medianRatioInterval(a, b)).toEqual([lo, hi]);
    const [x, y] = medianRatioInterval(b.map((v) => 2 * v), b);
    expect(x).toBeCloseTo(2, 12);
    expect(y).toBeCloseTo(2, 12);
    expect(medianRatioInterval([], [])).toEqual([NaN, NaN]);
  });
});
