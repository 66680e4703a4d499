export interface ConfigDifference {
  key: string;
  saved: unknown;
  current: unknown;
}

/**
 * Keys whose values differ between a saved and a current config, ignoring `ignore` (settings
 * that do not change the result, such as output format). Missing keys count as differences.
 *
 * @example
 * diffConfig({ lr: 0.1, seed: 1 }, { lr: 0.2, seed: 1 }) // [{ key: 'lr', saved: 0.1, current: 0.2 }]
 */
export function diffConfig(
  saved: Record<string, unknown>, current: Record<string, unknown>, ignore: readonly string[] = [],
): ConfigDifference[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])].filter((k) => !ignore.includes(k)).sort();
  return keys
    .filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(current[k]))
    .map((key) => ({ key, saved: saved[key], current: current[key] }));
}

/** "lr: 0.1 in the checkpoint, 0.2 now; seed: …"; `current` names where the current values come from. */
export function describeDifferences(diffs: readonly ConfigDifference[], current = 'now'): string {
  const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));
  return diffs.map((d) => `${d.key}: ${show(d.saved)} in the checkpoint, ${show(d.current)} ${current}`).join('; ');
}
