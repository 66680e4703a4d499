import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';
import { RULE_NAMES } from '@feedback-lab/rules';

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
    const r = await run('bench', 'memory-depth', '--rules', rule, '--width', '16', '--depths', '1,3', '--batch-size', '8', '--steps', '1', '--no-fresh', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.event === 'memory');
    expect(rows.map((l) => `${l.rule}@${l.depth}`)).toEqual([`${rule}@1`, `${rule}@3`]);
  });
});

// `--feedback-mode` reaches every rule with random matrices: none stays resident, in the
// measurement and in the prediction, and training gives the same numbers with less memory.
describe.each(['fa', 'dfa', 'mem-dfa', 'drtp', 'frsf'])('--feedback-mode regenerate with %s', (rule) => {
  it('keeps no feedback matrix resident (fbl profile, measured and predicted)', async () => {
    const profile = async (mode: string) => {
      const r = await run('profile', '--rule', rule, '--arch', '16-16-16-4', '--batch-size', '8', '--feedback-mode', mode, '--json');
      expect(r.err).toBe('');
      return JSON.parse(r.out);
    };
    const stored = await profile('stored');
    const regen = await profile('regenerate');
    expect(stored.resident.feedback).toBeGreaterThan(0);
    expect(stored.predicted.resident.feedback).toBe(stored.resident.feedback);
    expect([regen.resident.feedback, regen.predicted.resident.feedback]).toEqual([0, 0]);
  });

  it('trains to the same loss and accuracy as stored feedback (fbl train)', async () => {
    const train = async (mode: string) => {
      const r = await run('train', '--rule', rule, '--dataset', 'blobs', '--arch', '8-16-16-4', '--epochs', '1', '--batch-size', '40', '--feedback-mode', mode, '--json');
      expect(r.err).toBe('');
      return JSON.parse(r.out.trim().split('\n').at(-1)!);
    };
    const stored = await train('stored');
    const regen = await train('regenerate');
    expect([regen.loss, regen.trainAccuracy, regen.testAccuracy]).toEqual([stored.loss, stored.trainAccuracy, stored.testAccuracy]);
  });
});
