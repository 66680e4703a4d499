import { outSize, size, type ModelSpec } from '@feedback-lab/core';
import { DEFAULT_MEMORY_BUDGET_BYTES, largestBatch, predictMemory, WASM32_LIMIT_BYTES, type MemoryModelRule } from '@feedback-lab/profiler';
import { lineChart } from './line-chart';
import { longSpec } from './memory-fit';

export type LongModel = 'long-fc' | 'long-conv';

/** One cell of the table: a rule on long-fc/long-conv at a depth, at the largest batch it fits. */
export interface FitsCell {
  model: LongModel;
  depth: number;
  rule: string;
  /** Largest batch whose predicted peak (resident + transient) is within the limit; 0: none. */
  batch: number;
  /**
   * Largest batch within the measuring limit (default `fbl train`'s budget, ¾ of the wasm32 heap:
   * at 4 GiB of tensors the heap itself, with its allocator's and XNNPACK's share, aborts).
   */
  measureBatch: number;
  /** Predicted peak at `measureBatch`. */
  predictedPeakBytes: number;
  /** Matrix-product FLOPs of one step at `measureBatch` (3 passes of the forward's). */
  stepFlops: number;
  /** One profiled step at `measureBatch`, when it was run. */
  measured?: { peakBytes: number; wasmHeapBytes?: number; seconds: number };
  /** Why the cell is predicted only, or why its measurement failed. */
  note?: string;
}

/** Forward matrix-product FLOPs (2 per multiply-add) of `spec` at `batch`. */
export function forwardFlops(spec: ModelSpec, batch: number): number {
  let shape = [...spec.input];
  let flops = 0;
  for (const l of spec.layers) {
    if (l.type === 'dense') {
      flops += 2 * batch * size(shape) * l.units;
      shape = [l.units];
      continue;
    }
    const [h = 1, w = 1, c = 1] = shape;
    const s = l.stride ?? 1;
    const [oh, ow] = [outSize(h, l.kernel, s, l.padding ?? 'valid'), outSize(w, l.kernel, s, l.padding ?? 'valid')];
    flops += 2 * batch * oh * ow * l.kernel * l.kernel * c * l.filters;
    const ps = l.pool ? (l.pool.stride ?? l.pool.size) : 1;
    shape = l.pool ? [outSize(oh, l.pool.size, ps, l.pool.padding ?? 'valid'), outSize(ow, l.pool.size, ps, l.pool.padding ?? 'valid'), l.filters] : [oh, ow, l.filters];
  }
  return flops;
}

export interface FitsGridOptions {
  models?: readonly LongModel[];
  depths?: readonly number[];
  rules: readonly MemoryModelRule[];
  /** Default: the wasm32 heap, 4 GiB. */
  limitBytes?: number;
  /** Default: `fbl train`'s memory budget, ¾ of the heap. */
  measureLimitBytes?: number;
}

/**
 * The predicted grid: for long-fc and long-conv on MNIST's shapes (momentum, feedback stored),
 * each rule's largest batch under the limit (default the wasm32 heap, 4 GiB) at each depth.
 */
export function fitsGrid(o: FitsGridOptions): FitsCell[] {
  const limit = o.limitBytes ?? WASM32_LIMIT_BYTES;
  const measureLimit = o.measureLimitBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  return (o.models ?? ['long-fc', 'long-conv']).flatMap((model) => (o.depths ?? [10, 30, 100, 300]).flatMap((depth) => {
    const spec = longSpec(`${model}-${depth}`);
    return o.rules.map((rule): FitsCell => {
      const input = { spec, rule, optimizer: 'momentum' as const };
      const measureBatch = largestBatch(input, measureLimit);
      const predictedPeakBytes = measureBatch ? predictMemory({ ...input, batchSize: measureBatch }).peakBytes : 0;
      return { model, depth, rule: rule.name, batch: largestBatch(input, limit), measureBatch, predictedPeakBytes, stepFlops: 3 * forwardFlops(spec, measureBatch) };
    });
  }));
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const pct = (e: number) => `${e >= 0 ? '+' : ''}${(100 * e).toFixed(1)} %`;

/** measured / predicted − 1 of a measured cell (negative: the model under-predicted). */
export const cellError = (c: FitsCell) => (c.measured ? c.measured.peakBytes / c.predictedPeakBytes - 1 : undefined);

/** The table: largest batch per rule and depth, then every measured cell's peak against the prediction. */
export function fitsMarkdown(cells: readonly FitsCell[], meta: Record<string, string | number>): string {
  const models = [...new Set(cells.map((c) => c.model))];
  const depths = [...new Set(cells.map((c) => c.depth))];
  const rules = [...new Set(cells.map((c) => c.rule))];
  const cell = (m: string, d: number, r: string) => cells.find((c) => c.model === m && c.depth === d && c.rule === r)!;
  const lines = ['# Where each rule stops fitting', '', ...Object.entries(meta).map(([k, v]) => `- ${k}: ${v}`), ''];
  for (const m of models) {
    lines.push(`## ${m}: largest batch under the limit`, '', `| rule | ${depths.map((d) => `depth ${d}`).join(' | ')} |`, `|---|${depths.map(() => '---:').join('|')}|`);
    for (const r of rules) lines.push(`| ${r} | ${depths.map((d) => `${cell(m, d, r).batch}${cell(m, d, r).measured ? ' ✓' : ''}`).join(' | ')} |`);
    lines.push('');
  }
  lines.push('✓: measured (one profiled step in Node at the largest batch within the measuring limit, a fresh process per cell, below); the others are predicted only.', '');
  lines.push('## Measured against predicted peak', '', '| model | depth | rule | batch | predicted MiB | measured MiB | measured/predicted − 1 (+: under-predicted) | wasm heap MiB | run s |', '|---|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const c of cells.filter((x) => x.measured)) {
    lines.push(`| ${c.model} | ${c.depth} | ${c.rule} | ${c.measureBatch} | ${mib(c.predictedPeakBytes)} | ${mib(c.measured!.peakBytes)} | ${pct(cellError(c)!)} | ${c.measured!.wasmHeapBytes === undefined ? '' : mib(c.measured!.wasmHeapBytes)} | ${c.measured!.seconds.toFixed(0)} |`);
  }
  const notes = cells.filter((c) => c.note);
  if (notes.length) {
    lines.push('', '## Predicted only, and why', '', '| model | depth | rule | batch | why |', '|---|---:|---|---:|---|');
    for (const c of notes) lines.push(`| ${c.model} | ${c.depth} | ${c.rule} | ${c.measureBatch} | ${c.note} |`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Largest batch against depth, both axes log: one line per model and group of rules whose
 * largest batches are all within 10 % of each other (named by the first rule, "+n" the others).
 */
export function fitsSvg(cells: readonly FitsCell[], title: string): string {
  const groups: { model: string; rules: string[]; points: { x: number; b: number }[] }[] = [];
  for (const model of [...new Set(cells.map((c) => c.model))]) {
    for (const rule of [...new Set(cells.map((c) => c.rule))]) {
      const points = cells.filter((c) => c.model === model && c.rule === rule).map((c) => ({ x: c.depth, b: c.batch }));
      const near = groups.find((g) => g.model === model && g.points.every((p, i) => Math.abs(points[i]!.b / p.b - 1) <= 0.1));
      if (near) near.rules.push(rule);
      else groups.push({ model, rules: [rule], points });
    }
  }
  const series = groups.map((g) => ({
    name: `${g.model.replace('long-', '')} ${g.rules[0]}${g.rules.length > 1 ? ` +${g.rules.length - 1}` : ''}`,
    points: g.points.filter((p) => p.b > 0).map((p) => ({ x: p.x, y: Math.log10(p.b) })),
  }));
  const depths = [...new Set(cells.map((c) => c.depth))];
  return lineChart({
    title, xLabel: 'depth (blocks, log scale)', yLabel: 'largest batch (log scale)', series, xLog: true,
    xTicks: depths.map((d) => ({ x: d, label: String(d) })), formatY: (y) => String(Math.round(10 ** y)),
  });
}
