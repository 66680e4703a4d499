import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';
import { RULE_NAMES } from './registry';

const run = runCli;

// Every registered rule must work in every command that takes a rule, including rules the
// profiler's memory model does not cover (measured, not predicted).
describe.each(RULE_NAMES)('registered rule %s', (rule) => {
  it('trains with fbl train', async () => {
    const r = await run('train', '--rule', rule, '--dataset', 'blobs', '--arch', '8-16-16-4', '--epochs', '1', '--batch-size', '40', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const done = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(done).toMatchObject({ event: 'done', rule });
    expect(Number.isFinite(done.loss)).toBe(true);
  });

  it('profiles with fbl profile', async () => {
    const r = await run('profile', '--rule', rule, '--arch', '16-16-16-4', '--batch-size', '8', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).peakTransientBytes).toBeGreaterThan(0);
  });

  it('runs in fbl bench memory-depth', async () => {
    const r = await run('bench', 'memory-depth', '--rules', rule, '--width', '16', '--depths', '1,3', '--batch-size', '8', '--steps', '1', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.event === 'memory');
    expect(rows.map((l) => `${l.rule}@${l.depth}`)).toEqual([`${rule}@1`, `${rule}@3`]);
  });
});
