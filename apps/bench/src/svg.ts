import type { MemoryDepthRow } from './memory-depth';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/**
 * A dependency-free SVG line chart: peak transient MiB (y) against depth (x, log scale),
 * one line per rule, dashed lines for the model's predictions.
 */
export function svgChart(rows: readonly MemoryDepthRow[], title = 'Peak transient memory vs depth'): string {
  const W = 720, H = 440, L = 70, R = 150, T = 40, B = 50;
  const depths = [...new Set(rows.map((r) => r.depth))].sort((a, b) => a - b);
  const maxY = Math.max(...rows.flatMap((r) => [r.peakTransientBytes, r.predictedPeakTransientBytes ?? 0])) / 2 ** 20 * 1.05;
  const lx = (d: number) => Math.log10(d);
  const [x0, x1] = [lx(depths[0]!), lx(depths[depths.length - 1]!)];
  const px = (d: number) => L + ((lx(d) - x0) / Math.max(1e-9, x1 - x0)) * (W - L - R);
  const py = (mib: number) => H - B - (mib / maxY) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escape(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">depth (hidden blocks, log scale)</text>`,
    `<text x="18" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(T + H - B) / 2})">peak transient MiB</text>`,
  ];
  for (const d of depths) out.push(`<text x="${px(d)}" y="${H - B + 16}" text-anchor="middle">${d}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (maxY * i) / 5;
    out.push(`<text x="${L - 6}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(v < 10 ? 1 : 0)}</text>`,
      `<line x1="${L}" y1="${py(v)}" x2="${W - R}" y2="${py(v)}" stroke="#eee"/>`);
  }
  [...new Set(rows.map((r) => r.rule))].forEach((rule, k) => {
    const color = COLORS[k % COLORS.length]!;
    const mine = rows.filter((r) => r.rule === rule).sort((a, b) => a.depth - b.depth);
    const path = (f: (r: MemoryDepthRow) => number) => mine.map((r) => `${px(r.depth).toFixed(1)},${py(f(r) / 2 ** 20).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${path((r) => r.peakTransientBytes)}"/>`,
      ...(mine.every((r) => r.predictedPeakTransientBytes !== null)
        ? [`<polyline fill="none" stroke="${color}" stroke-width="1" stroke-dasharray="4 3" points="${path((r) => r.predictedPeakTransientBytes!)}"/>`] : []),
      ...mine.map((r) => `<circle cx="${px(r.depth).toFixed(1)}" cy="${py(r.peakTransientBytes / 2 ** 20).toFixed(1)}" r="3" fill="${color}"/>`),
      `<line x1="${W - R + 15}" y1="${T + 10 + k * 20}" x2="${W - R + 40}" y2="${T + 10 + k * 20}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - R + 46}" y="${T + 14 + k * 20}">${escape(rule)}</text>`);
  });
  const k = new Set(rows.map((r) => r.rule)).size;
  out.push(`<line x1="${W - R + 15}" y1="${T + 10 + k * 20}" x2="${W - R + 40}" y2="${T + 10 + k * 20}" stroke="gray" stroke-dasharray="4 3"/>`,
    `<text x="${W - R + 46}" y="${T + 14 + k * 20}">predicted</text>`, '</svg>', '');
  return out.join('\n');
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
