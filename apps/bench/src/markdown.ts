import type { MemoryDepthRow } from './memory-depth';
import type { MemoryDepthSummary } from './summary';

const mib = (b: number) => (b / 2 ** 20).toFixed(2);

/** A markdown report: one row per measurement, then the headline ratios. */
export function markdownReport(rows: readonly MemoryDepthRow[], s: MemoryDepthSummary, meta: Record<string, string | number>): string {
  const head = '| rule | depth | peak transient (MiB) | predicted (MiB) | measured/predicted | resident (MiB) | step (ms) | wasm heap (MiB) |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---:|';
  const order = [...new Set(rows.map((r) => r.rule))];
  const sorted = [...rows].sort((a, b) => order.indexOf(a.rule) - order.indexOf(b.rule) || a.depth - b.depth);
  const body = sorted.map((r) =>
    `| ${r.rule} | ${r.depth} | ${mib(r.peakTransientBytes)} | ${r.predictedPeakTransientBytes === null ? '-' : mib(r.predictedPeakTransientBytes)} | ` +
    `${r.predictedPeakTransientBytes === null ? '-' : (r.peakTransientBytes / r.predictedPeakTransientBytes).toFixed(3)} | ${mib(r.residentBytes)} | ${r.stepMs.toFixed(1)} | ` +
    `${r.wasmHeapBytes !== undefined ? mib(r.wasmHeapBytes) : '-'} |`);
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
    ...(times.length ? ['', '## Step time relative to BP at depth 10 (interleaved timing)', '', '| rule | step time / BP |', '|---|---:|', ...times] : []),
    '',
    'Bytes are the tfjs engine\'s tensor bytes (tf.profile), which count aliasing tensors (clones saved by the tape, reshapes) once each; the wasm heap never shrinks, so it shows the high-water mark of the whole run so far.',
    '',
  ].join('\n');
}
