import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const fbl = (...args: string[]) =>
  spawnSync(process.execPath, ['--conditions=@feedback-lab/source', '--import', 'tsx', bin, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('fbl as a process', () => {
  it('exits 2 with a single stderr line and no stack trace on a bad option', () => {
    const r = fbl('train', '--batch-size', 'many');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('fbl: --batch-size must be a number; got "many"\n');
    expect(r.stdout).toBe('');
  });

  it('prints help for train', () => {
    const r = fbl('train', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--arch <string>\n\s+(MLP )?layer widths/);
  });
});
