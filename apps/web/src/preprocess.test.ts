import { describe, expect, it } from 'vitest';
import { toMnist } from './preprocess';

function canvas(w: number, h: number, fill: (x: number, y: number) => number): Float32Array {
  const a = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[y * w + x] = fill(x, y);
  return a;
}

describe('toMnist', () => {
  it('returns null for an empty drawing', () => {
    expect(toMnist(new Float32Array(280 * 280), 280, 280)).toBeNull();
  });

  it('scales a tall stroke to 20 px high and centres it', () => {
    // A vertical bar 20 px wide, 200 px tall, in the top-left corner of a 280×280 pad.
    const ink = canvas(280, 280, (x, y) => (x >= 10 && x < 30 && y >= 5 && y < 205 ? 1 : 0));
    const img = toMnist(ink, 280, 280)!;
    expect(img).toHaveLength(784);
    const rows = [...Array(28).keys()].filter((r) => img.slice(r * 28, r * 28 + 28).some((v) => v > 0));
    const cols = [...Array(28).keys()].filter((c) => [...Array(28).keys()].some((r) => img[r * 28 + c]! > 0));
    expect(rows).toHaveLength(20);
    expect(cols).toHaveLength(2);
    expect(rows[0]).toBe(4);
    expect(cols[0]).toBeGreaterThanOrEqual(12);
    expect(cols[1]).toBeLessThanOrEqual(15);
    expect(Math.max(...img)).toBeCloseTo(1);
  });

  it('keeps intensities in [0, 1] and puts the centre of mass near the middle', () => {
    const ink = canvas(100, 60, (x, y) => ((x - 70) ** 2 + (y - 20) ** 2 < 150 ? 0.8 : 0));
    const img = toMnist(ink, 100, 60)!;
    let m = 0, cx = 0, cy = 0;
    img.forEach((v, i) => { m += v; cx += v * (i % 28); cy += v * Math.floor(i / 28); });
    expect(Math.min(...img)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...img)).toBeLessThanOrEqual(1);
    expect(Math.abs(cx / m - 13.5)).toBeLessThan(1);
    expect(Math.abs(cy / m - 13.5)).toBeLessThan(1);
  });
});
