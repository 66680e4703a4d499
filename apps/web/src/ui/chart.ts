import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line of a chart; x must be ascending. */
export interface Line {
  label: string;
  color: string;
  x: readonly number[];
  y: readonly number[];
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yFormat?: (v: number) => string;
  height?: number;
  /** Draw a dot at every point (for sparse series such as profiled steps). */
  points?: boolean;
  /** Log-scaled axes (base 2 on x, 10 on y): for sizes that span decades, such as batch against bytes. */
  log?: { x?: boolean; y?: boolean };
}

/**
 * A uPlot line chart that overlays any number of runs. Lines with different x values are
 * aligned with `uPlot.join`; the plot is rebuilt only when the set of lines changes.
 */
export function lineChart(el: HTMLElement, o: ChartOptions) {
  let plot: uPlot | undefined;
  let key = '';
  const fmt = o.yFormat ?? ((v: number) => String(+v.toPrecision(3)));
  const build = (lines: readonly Line[], data: uPlot.AlignedData) =>
    new uPlot({
      title: o.title,
      width: Math.max(280, el.clientWidth),
      height: o.height ?? 200,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, ...(o.log?.x ? { distr: 3, log: 2 } : {}) }, ...(o.log?.y ? { y: { distr: 3, log: 10 } } : {}) },
      axes: [{ label: o.xLabel }, { size: 84, values: (_u, vals) => vals.map((v) => fmt(v)) }],
      series: [{ label: o.xLabel }, ...lines.map((l) => ({
        label: l.label, stroke: l.color, width: 2, spanGaps: true, points: { show: o.points ?? false, size: 6 },
        ...(l.dashed ? { dash: [6, 4] } : {}),
        value: (_u: uPlot, v: number | null) => (v == null ? '—' : fmt(v)),
      }))],
    }, data, el);
  const ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(280, el.clientWidth), height: o.height ?? 200 }));
  ro.observe(el);
  return {
    update(lines: readonly Line[]): void {
      const data: uPlot.AlignedData = lines.length === 0 ? [[]]
        : lines.length === 1 ? [lines[0]!.x as number[], lines[0]!.y as number[]]
        : uPlot.join(lines.map((l) => [l.x as number[], l.y as number[]]));
      const k = lines.map((l) => l.label).join('|');
      if (!plot || k !== key) {
        plot?.destroy();
        plot = build(lines, data);
        key = k;
      } else {
        plot.setData(data);
      }
    },
  };
}
