import { createRng } from '@feedback-lab/core';

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * A 95 % interval of median(a) ÷ median(b) for paired samples (a[i] and b[i] taken in the same
 * round, as `runSpeed` alternates its contenders), by the percentile bootstrap: `resamples`
 * draws of the round indices with replacement, seeded, so a report is reproducible. It covers
 * the spread within one run only; slower drifts of a shared machine move whole runs, so quote
 * several runs as well.
 */
export function medianRatioInterval(a: readonly number[], b: readonly number[], resamples = 1000, seed = 1): [number, number] {
  const n = Math.min(a.length, b.length);
  if (n === 0) return [NaN, NaN];
  const rng = createRng(seed);
  const ratios: number[] = [];
  const ra = new Array<number>(n);
  const rb = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      ra[i] = a[j]!;
      rb[i] = b[j]!;
    }
    ratios.push(median(ra) / median(rb));
  }
  ratios.sort((x, y) => x - y);
  const at = (q: number) => ratios[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return [at(0.025), at(0.975)];
}
