/** One line of a chart: points in x order, each with an optional ± error bar. */
export interface LineSeries {
  name: string;
  points: readonly { x: number; y: number; err?: number }[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** Tick label of a y value (default: 3 significant digits). */
  formatY?: (y: number) => string;
  /** A log10 x axis (every x must be positive), e.g. a learning rate. */
  xLog?: boolean;
  /** The x ticks and their labels (default: one at every x value). */
  xTicks?: readonly { x: number; label: string }[];
  /** Join each series' points with a line (default true); false draws a scatter plot. */
  lines?: boolean;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/**
 * A dependency-free SVG line chart, one coloured line per series with error bars (e.g. test
 * accuracy per epoch, mean ± sd over seeds); a linear or log x axis, and without `lines` a
 * scatter plot (e.g. a sweep's objective against one hyperparameter). A single x value (a
 * one-epoch run) is drawn as points in the middle of the plot.
 *
 * @example
 * lineChart({ title: 'mnist-fc', xLabel: 'epoch', yLabel: 'test accuracy %', series: [{ name: 'bp', points: [{ x: 1, y: 95, err: 0.2 }] }] });
 */
export function lineChart(o: LineChartOptions): string {
  const size = { w: 720, h: 440 };
  const box = { left: 70, right: size.w - 160, top: 40, bottom: size.h - 50 };
  const pts = o.series.flatMap((s) => s.points);
  const fx = o.xLog ? Math.log10 : (x: number) => x;
  const xs = pts.map((p) => p.x);
  // The axis spans the points and any ticks given (a searched range wider than its results).
  const span = [...xs, ...(o.xTicks ?? []).map((t) => t.x)].map(fx);
  const [xMin, xMax] = spread(Math.min(...span), Math.max(...span), 0.5);
  const [yMin, yMax] = spread(Math.min(...pts.map((p) => p.y - (p.err ?? 0))), Math.max(...pts.map((p) => p.y + (p.err ?? 0))), 1);
  const fy = o.formatY ?? ((y: number) => String(Number(y.toPrecision(3))));
  const X = (x: number) => (box.left + ((fx(x) - xMin) / (xMax - xMin)) * (box.right - box.left)).toFixed(1);
  const Y = (y: number) => (box.bottom - ((y - yMin) / (yMax - yMin)) * (box.bottom - box.top)).toFixed(1);
  const midY = (box.top + box.bottom) / 2;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.w}" height="${size.h}" viewBox="0 0 ${size.w} ${size.h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${size.w}" height="${size.h}" fill="white"/>`,
    `<text x="${size.w / 2}" y="22" text-anchor="middle" font-size="15">${xml(o.title)}</text>`,
    `<path d="M${box.left} ${box.top}V${box.bottom}H${box.right}" fill="none" stroke="black"/>`,
    `<text x="${(box.left + box.right) / 2}" y="${size.h - 12}" text-anchor="middle">${xml(o.xLabel)}</text>`,
    `<text x="18" y="${midY}" text-anchor="middle" transform="rotate(-90 18 ${midY})">${xml(o.yLabel)}</text>`,
  ];
  for (const t of o.xTicks ?? [...new Set(xs)].sort((a, b) => a - b).map((x) => ({ x, label: String(x) }))) parts.push(`<text x="${X(t.x)}" y="${box.bottom + 16}" text-anchor="middle">${xml(t.label)}</text>`);
  for (let k = 0; k <= 5; k++) {
    const y = yMin + ((yMax - yMin) * k) / 5;
    parts.push(`<line x1="${box.left}" x2="${box.right}" y1="${Y(y)}" y2="${Y(y)}" stroke="#eee"/>`, `<text x="${box.left - 6}" y="${Number(Y(y)) + 4}" text-anchor="end">${fy(y)}</text>`);
  }
  o.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    // Series side by side, a few pixels apart, so equal x values and error bars stay readable.
    const sx = (x: number) => (Number(X(x)) + (i - (o.series.length - 1) / 2) * 5).toFixed(1);
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    if (sorted.length > 1 && o.lines !== false) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map((p) => `${sx(p.x)},${Y(p.y)}`).join(' ')}"/>`);
    for (const p of sorted) {
      if (p.err) parts.push(`<path d="M${sx(p.x)} ${Y(p.y - p.err)}V${Y(p.y + p.err)}" stroke="${color}"/>`);
      parts.push(`<circle cx="${sx(p.x)}" cy="${Y(p.y)}" r="3" fill="${color}"><title>${xml(s.name)}: ${fy(p.y)}${p.err ? ` ± ${fy(p.err)}` : ''}</title></circle>`);
    }
    const ly = box.top + 10 + i * 20;
    parts.push(`<path d="M${box.right + 15} ${ly}h25" stroke="${color}" stroke-width="2"/>`, `<text x="${box.right + 46}" y="${ly + 4}">${xml(s.name)}</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

/** [lo, hi] widened by 5 % (or by `pad` when the range is empty), so no point sits on an axis. */
function spread(lo: number, hi: number, pad: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  const m = hi > lo ? (hi - lo) * 0.05 : pad;
  return [lo - m, hi + m];
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
