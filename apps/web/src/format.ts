/** `1.50 MiB`, `12.0 KiB`, `—` for missing values. */
export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${n < 0 ? '-' : ''}${v.toFixed(u === 0 ? 0 : v < 10 ? 2 : 1)} ${units[u]}`;
}

export function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—';
}

export function num(x: number, digits = 0): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '—';
}
