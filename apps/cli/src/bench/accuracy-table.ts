/** One training run of `fbl bench accuracy`. */
export interface AccuracyRun {
  rule: string;
  seed: number;
  testAccuracy: number;
  trainAccuracy: number;
  /** Wall time of the run (training plus the epoch-end evaluations). */
  seconds: number;
  epochs: number;
  lr: number;
}

/** Mean and sample standard deviation (0 for a single run). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

const pct = (x: number) => (x * 100).toFixed(2);

/**
 * The markdown table of `fbl bench accuracy`: one row per rule, test accuracy as mean ± sample
 * standard deviation over seeds, the per-seed values, the error rate, and wall time per run.
 */
export function accuracyTable(runs: readonly AccuracyRun[], rules: readonly string[]): string {
  const rows = rules.map((rule) => {
    const rs = runs.filter((r) => r.rule === rule);
    if (rs.length === 0) return `| ${rule} | — | — | — | — | — |`;
    const acc = meanStd(rs.map((r) => r.testAccuracy));
    const secs = meanStd(rs.map((r) => r.seconds));
    return `| ${rule} | ${pct(acc.mean)} ± ${pct(acc.std)} | ${pct(1 - acc.mean)} | ${rs.map((r) => pct(r.testAccuracy)).join(', ')} | ${rs[0]!.lr} | ${secs.mean.toFixed(1)} |`;
  });
  return [
    '| rule | test acc % (mean ± sd) | test error % | per seed | lr | wall s / run |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
