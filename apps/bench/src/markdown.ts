import type { MemoryDepthRow } from './memory-depth';
import type { MemoryDepthSummary } from './summary';

const mib = (b: number) => (b / 2 ** 20).toFixed(2);

/** A markdown report: one row per measurement, then the headline ratios. */
export function markdownReport(rows: readonly MemoryDepthRow[], s: MemoryDepthSummary, meta: Record<string, string | number>): string {
  const head = '| rule | depth | peak transient (MiB) | predicted (MiB) | measured/predicted | resident (MiB) | step (ms) | heap, fresh process (MiB) |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|';
  const order = [...new Set(rows.map((r) => r.rule))];
  const sorted = [...rows].sort((a, b) => order.indexOf(a.rule) - order.indexOf(b.rule) || a.depth - b.depth);
  const body = sorted.map((r) =>
    `| ${r.rule} | ${r.depth} | ${mib(r.peakTransientBytes)} | ${r.predictedPeakTransientBytes === null ? '-' : mib(r.predictedPeakTransientBytes)} | ` +
    `${r.predictedPeakTransientBytes === null ? '-' : (r.peakTransientBytes / r.predictedPeakTransientBytes).toFixed(3)} | ${mib(r.residentBytes)} | ${r.stepMs.toFixed(1)} | ` +
    `${r.heapBytes !== undefined ? mib(r.heapBytes) : '-'} |`);
  const perLayer = Object.entries(s.perLayer).map(([rule, g]) =>
    `| ${rule} | ${g.heapBytes !== undefined ? mib(g.heapBytes) : '-'} | ${mib(g.engineBytes)} |`);
  const growth = Object.entries(s.growth).map(([rule, g]) => `| ${rule} | ${g.from} → ${g.to} | ${g.ratio.toFixed(3)} |`);
  const times = Object.entries(s.stepTimeVsBp).map(([rule, t]) => `| ${rule} | ${t.toFixed(3)} |`);
  return [
    '# Peak transient memory vs depth',
    '',
    Object.entries(meta).map(([k, v]) => `${k}: ${v}`).join(' · '),
    '',
    head, sep, ...body,
    '',
    '## Growth of peak transient bytes with depth',
    '',
    '| rule | depths | ratio |', '|---|---|---:|', ...growth,
    '',
    `Worst |measured/predicted − 1|: ${(s.worstPredictionError * 100).toFixed(1)}%`,
    '',
    '## Growth per block (least-squares slope over the depths)',
    '',
    '| rule | wasm heap, fresh process (MiB/block) | engine peak, resident + transient (MiB/block) |', '|---|---:|---:|', ...perLayer,
    ...(times.length ? ['', '## Step time relative to BP at depth 10 (interleaved timing)', '', '| rule | step time / BP |', '|---|---:|', ...times] : []),
    '',
    'Engine bytes are distinct tensor buffers (an alias such as a tensor the tape saved counts once), measured in this process. ' +
      'The heap is what a user pays: the wasm heap (WebAssembly.Memory, which never shrinks, so its size is the high-water mark) ' +
      'after a warm-up and a measured step of that rule and depth alone in a fresh process. It adds XNNPACK\'s packed weights and caches, ' +
      'allocator fragmentation, and growth in steps of up to 20 % (emscripten over-allocates when it grows), so single rows are coarse; the slope is the figure to read.',
    '',
  ].join('\n');
}
