import { describe, expect, it } from 'vitest';
import { bytes, num, pct } from './format';

describe('format', () => {
  it('formats bytes, percentages and numbers, with a dash for missing values', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.50 KiB');
    expect(bytes(25 * 2 ** 20)).toBe('25.0 MiB');
    expect(bytes(NaN)).toBe('—');
    expect(pct(0.1234)).toBe('12.3%');
    expect(num(Infinity)).toBe('—');
    expect(num(2.345, 1)).toBe('2.3');
  });
});
