/** Edit distance between two names (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/**
 * " (did you mean "lr"?)" for the known name closest to a mistyped one (case and `_`/`-`
 * ignored, at most a third of the name wrong), or "" when none is close.
 */
export function didYouMean(name: string, known: readonly string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/_/g, '-');
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(norm(name), norm(k));
    if (!best || d < best.d) best = { name: k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${best.name}"?)` : '';
}
