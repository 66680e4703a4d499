import { describe, expect, it } from 'vitest';
import { lineChart } from './line-chart';

const coords = (svg: string, tag: 'circle') => [...svg.matchAll(new RegExp(`<${tag} cx="([\\d.]+)" cy="([\\d.]+)"`, 'g'))].map((m) => [Number(m[1]), Number(m[2])]);

describe('lineChart', () => {
  it('draws one line per series, higher values higher up, with error bars and a legend', () => {
    const svg = lineChart({
      title: 'a < b', xLabel: 'epoch', yLabel: 'acc',
      series: [
        { name: 'bp', points: [{ x: 2, y: 90, err: 1 }, { x: 1, y: 80 }] },
        { name: 'dfa', points: [{ x: 1, y: 70 }, { x: 2, y: 85 }] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a &lt; b');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    const [bp1, bp2, dfa1] = coords(svg, 'circle');
    expect(bp2![0]).toBeGreaterThan(bp1![0]!); // sorted by x
    expect(bp2![1]).toBeLessThan(bp1![1]!); // 90 above 80
    expect(dfa1![1]).toBeGreaterThan(bp1![1]!); // 70 below 80
    expect(svg.match(/<path d="M[\d.]+ [\d.]+V[\d.]+" stroke/g)).toHaveLength(1); // only bp at x=2 has an error bar
    expect(svg).toContain('>bp<');
    expect(svg).toContain('>dfa<');
  });

  it('places a single x value (one epoch) inside the plot, without NaN', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'r', points: [{ x: 1, y: 50, err: 0 }] }] });
    expect(svg).not.toContain('NaN');
    expect(svg).not.toContain('<polyline');
    const [[cx, cy]] = coords(svg, 'circle') as [[number, number]];
    expect(cx).toBeGreaterThan(70);
    expect(cx).toBeLessThan(560);
    expect(cy).toBeGreaterThan(40);
    expect(cy).toBeLessThan(390);
  });

  it('draws a scatter plot on a log x axis, with the ticks given', () => {
    const svg = lineChart({
      title: 't', xLabel: 'lr', yLabel: 'acc', xLog: true, lines: false, xTicks: [{ x: 0.001, label: '1e-3' }, { x: 0.1, label: '0.1' }],
      series: [{ name: 'bp', points: [{ x: 0.001, y: 50 }, { x: 0.01, y: 60 }, { x: 0.1, y: 55 }] }],
    });
    expect(svg).not.toContain('<polyline');
    expect(svg).not.toContain('NaN');
    const [a, b, c] = coords(svg, 'circle').map(([x]) => x!);
    expect(b! - a!).toBeCloseTo(c! - b!, 0); // a decade is the same width everywhere
    expect(svg).toContain('>1e-3<');
    expect(svg).not.toContain('>0.01<');
  });
});
