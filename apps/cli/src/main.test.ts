import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

const run = runCli;

describe('fbl train', () => {
  it('trains and prints one JSON object per epoch plus a done line', async () => {
    const r = await run('train', '--dataset', 'spirals', '--arch', '2-16-3', '--epochs', '2', '--batch-size', '20', '--lr', '0.1', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['epoch', 'epoch', 'done']);
    for (const key of ['epoch', 'loss', 'trainAccuracy', 'testAccuracy', 'samplesPerSec', 'peakBytes', 'backend']) {
      expect(lines[0]).toHaveProperty(key);
    }
    expect(lines[2]).toMatchObject({ rule: 'bp', arch: '2-16-3', backend: 'wasm', epoch: 2 });
    expect(lines[2].peakBytes).toBeGreaterThan(0);
  });

  it('prints a human summary line per epoch without --json', async () => {
    const r = await run('train', '--dataset', 'blobs', '--arch', '8-4', '--epochs', '1', '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/backend cpu/);
    expect(r.out).toMatch(/epoch 1\/1 {2}loss \d/);
    expect(r.err).toBe('');
  });

  it.each([
    [['train', '--bogus', '1'], /unknown option '--bogus'/],
    [['train', '--lr', 'fast'], /--lr must be a number; got "fast"/],
    [['train', '--epochs', '0'], /--epochs must be at least 1/],
    [['train', '--batch-size', '2.5'], /--batch-size must be an integer/],
    [['train', '--rule', 'magic'], /--rule must be one of bp/],
    [['train', '--dataset', 'spirals', '--arch', '784-10'], /--arch 784-10 does not fit spirals: it must start with 2/],
    [['train', '--arch', '784-x-10'], /--arch must be widths/],
    [['train', 'extra'], /unexpected argument "extra"/],
    [['fly'], /unknown command "fly"/],
    [['train', '--feedback-mode', 'regenerate'], /^fbl: --feedback-mode is not an option of rule bp; it is taken by fa, dfa, mem-dfa, drtp/],
    [['train', '--rule', 'fa', '--drtp-schedule', 'at-end'], /^fbl: --drtp-schedule is not an option of rule fa; it is taken by drtp\n$/],
  ])('rejects %j with one line and exit code 2', async (argv, message) => {
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('reports a missing data directory as a one-line runtime error', async () => {
    const r = await run('train', '--data-dir', '/no/such/dir');
    expect(r.code).toBe(1);
    expect(r.err).toBe('fbl: data directory not found: /no/such/dir\n');
  });
});

describe('fbl train with random-feedback rules', () => {
  it.each(['fa', 'dfa', 'mem-dfa'])('trains with --rule %s and reports alignment lines with --align-every', async (rule) => {
    const r = await run('train', '--rule', rule, '--dataset', 'blobs', '--arch', '8-16-16-4', '--epochs', '1', '--batch-size', '40',
      '--lr', '0.05', '--feedback', 'orthogonal', '--feedback-scale', '0.5', '--align-every', '5', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const align = lines.filter((l) => l.event === 'alignment');
    expect(align.length).toBeGreaterThanOrEqual(2);
    expect(align[0].alignment).toHaveLength(3);
    expect(align[0].alignment[2]).toBeLessThan(0.1); // the output block gets the true error
    expect(lines[lines.length - 1]).toMatchObject({ event: 'done', rule, feedback: 'orthogonal' });
  });

  it.each([
    [['train', '--feedback', 'nope'], /--feedback must be one of gaussian/],
    [['train', '--feedback-scale', 'x'], /--feedback-scale must be a number/],
    [['train', '--align-every', '0'], /--align-every must be at least 1/],
  ])('rejects %j with one line and exit code 2', async (argv, message) => {
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('refuses to start when the predicted peak exceeds --memory-budget, naming a rule that fits', async () => {
    const arch = ['784', ...Array(60).fill('2048'), '10'].join('-');
    const r = await run('train', '--rule', 'bp', '--arch', arch, '--batch-size', '4096', '--memory-budget', '3000');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fbl: rule bp needs about \d+ MiB \(predicted\), over the memory budget of 3000 MiB; --rule \S+ would fit/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});

describe('fbl profile and fbl bench', () => {
  it('profiles one step by phase with measured vs predicted', async () => {
    const r = await run('profile', '--rule', 'mem-dfa', '--arch', '32-32-32-10', '--batch-size', '16', '--json');
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out);
    expect(p.phases.map((x: { phase: string }) => x.phase)).toContain('feedback:dense2');
    expect(p.peakTransientBytes / p.predicted.peakTransientBytes).toBeGreaterThan(0.8);
    const text = await run('profile', '--rule', 'bp', '--arch', '32-32-10', '--batch-size', '16');
    expect(text.out).toMatch(/peak transient .* \(measured\/predicted \d\.\d+\)/);
  });

  it('runs memory-depth and prints one JSON line per measurement plus a summary', async () => {
    const r = await run('bench', 'memory-depth', '--rules', 'bp,mem-dfa', '--width', '16', '--depths', '1,3', '--batch-size', '8', '--steps', '1', '--no-fresh', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.event === 'memory')).toHaveLength(4);
    for (const key of ['rule', 'depth', 'peakTransientBytes', 'residentBytes', 'predictedPeakTransientBytes', 'stepMs']) expect(lines[0]).toHaveProperty(key);
    expect(lines[4].event).toBe('summary');
    const bad = await run('bench', 'memory-depth', '--depths', '1,x');
    expect(bad.code).toBe(2);
    expect((await run('bench', 'nope')).err).toMatch(/unknown benchmark "nope" \(expected speed, accuracy, memory-depth, memory-fit, fits, dispatch\)/);
  });

  it('memory-fit: profiles the chosen fit steps and prints the shipped formula\'s error and a refit per rule', async () => {
    const r = await run('bench', 'memory-fit', '--rules', 'bp,mem-dfa', '--cases', 'conv avg2', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.rule)).toEqual(['bp', 'mem-dfa']);
    for (const l of lines) {
      expect(l.rows.map((x: { batch: number }) => x.batch)).toEqual([32, 96]);
      expect(l.rows.every((x: { measured: number }) => x.measured > 0)).toBe(true);
      expect(l.fitted).toHaveLength(6);
      // the shipped coefficients are one of the starts: the fit under-predicts no more than they
      // do (or than 5 %), and when they are within 5 % its worst error is no larger
      const fittedUnder = Math.max(0, ...l.rows.map((x: { fittedError: number }) => -x.fittedError));
      expect(fittedUnder).toBeLessThanOrEqual(Math.max(0.05, -l.worstUnder) + 1e-9);
      if (-l.worstUnder <= 0.05) expect(l.fittedWorst).toBeLessThanOrEqual(l.worst + 1e-9);
    }
    expect((await run('bench', 'memory-fit', '--cases', 'no such step')).err).toMatch(/--cases: no fit case name contains "no such step"/);
  });

  it('measures the heap of each memory-depth row in a fresh process, for the conv net too', async () => {
    const r = await run('bench', 'memory-depth', '--net', 'conv', '--rules', 'bp', '--width', '2', '--depths', '1,2', '--batch-size', '4', '--steps', '1', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const rows = lines.filter((l) => l.event === 'memory');
    expect(rows.map((l) => [l.kind, l.depth])).toEqual([['conv', 1], ['conv', 2]]);
    for (const row of rows) {
      expect(row.heapBytes).toBeGreaterThanOrEqual(16 * 2 ** 20); // wasm's initial heap
      expect(row.freshPeakBytes).toBeGreaterThan(row.residentBytes);
    }
    expect(lines.at(-1).perLayer.bp).toHaveProperty('heapBytes');
  }, 60_000);
});
