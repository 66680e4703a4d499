import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presetDefaults } from '@feedback-lab/core';
import { trainDefaults } from '@feedback-lab/rules';
import { runCli } from '../run-cli';

const root = mkdtempSync(join(tmpdir(), 'fbl-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const events = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { event: string });
const file = (name: string, text: string) => {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
};
// Tiny cells: 512 MNIST samples in batches of 16 (32 steps, enough to tell a good lr from a bad one).
const tiny = ['--param', 'batch-size=16', '--limit', '512', '--workers', '2'];

describe('fbl sweep: refusals before anything trains', () => {
  const never = join(root, 'never');
  it.each([
    ['a mistyped option', ['--param', 'lrr=0.1'], /^fbl: --param lrr: "lrr" is not an fbl train option \(did you mean "lr"\?\); fbl train --help lists them\n$/],
    ['a bad value', ['--param', 'lr=0.1,fast'], /^fbl: --param lr: --lr must be a number; got "fast"\n$/],
    ['a path option', ['--param', 'data-dir=/tmp'], /^fbl: --param data-dir: --data-dir cannot be swept: a path: give --data-dir to fbl sweep itself\n$/],
    ['a runner option', ['--param', 'checkpoint-every=5'], /--checkpoint-every cannot be swept: give --checkpoint-every to fbl sweep itself/],
    ['a range without --trials', ['--param', 'lr=log:0.001:0.1'], /lr is a range: give --trials N for a random search/],
    ['nothing to sweep', [], /nothing to sweep: give --param NAME=VALUES/],
    ['an unknown rule', ['--param', 'lr=0.1', '--rules', 'bp,magic'], /--rules: unknown rule "magic" \(expected bp, fa, /],
    ['an unknown model', ['--param', 'lr=0.1', '--models', 'resnet'], /--models: unknown model "resnet" \(expected mnist-fc, mnist-conv, cifar-conv\)/],
    ['cifar-conv without its data', ['--param', 'lr=0.1', '--models', 'cifar-conv'], /cifar-conv needs --data-dir/],
    ['a bad seed', ['--param', 'lr=0.1', '--seeds', '1,x'], /--seeds must be integers/],
    ['a seed past 32 bits', ['--param', 'lr=0.1', '--seeds', '4294967296'], /--seeds must be integers from 0 to 4294967295/],
    ['an unknown key in the sweep file', ['--config', file('typo.yaml', 'params:\n  lr: [0.1]\nseed: [1, 2]\n')], /typo\.yaml: unknown key "seed" \(did you mean "seeds"\?\)/],
    ['a bad value in the sweep file', ['--config', file('zero.json', '{"params": {"lr": [0.1]}, "trials": 0}')], /zero\.json: --trials must be at least 1; got 0/],
  ])('%s is one line, exit 2, and nothing is written', async (_label, extra, message) => {
    const r = await runCli('sweep', '--out', never, ...extra);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(never)).toBe(false);
  });
});

describe('fbl sweep: sweep files', () => {
  const json = file('s.json', JSON.stringify({
    rules: ['bp', 'dfa'], seeds: [1, 2], trials: 3, 'search-seed': 5, epochs: 2, limit: 256,
    params: { lr: { 'log-uniform': [0.001, 0.1] }, optimizer: ['sgd', 'momentum'], 'on-diverge': 'skip-batch' },
  }));
  const yaml = file('s.yaml', 'rules: [bp, dfa]\nseeds: [1, 2]\ntrials: 3\nsearch-seed: 5\nepochs: 2\nlimit: 256\nparams:\n  lr: {log-uniform: [0.001, 0.1]}\n  optimizer: [sgd, momentum]\n  on-diverge: skip-batch\n');
  const plan = async (...argv: string[]) => {
    const out = join(root, `plan-${argv.join('-').replace(/[^a-z0-9]+/gi, '')}`);
    const r = await runCli('sweep', ...argv, '--out', out, '--report-only', '--json');
    expect(r.code, r.err).toBe(1); // nothing trained: every trial is unfinished
    const { out: _out, ...p } = events(r.out)[0]!;
    return { plan: p, cell: JSON.parse(readFileSync(join(out, 'cells', 'mnist-fc-dfa-t003-s2', 'cell.json'), 'utf8')) as Record<string, unknown> };
  };

  it('JSON and YAML give the same plan, and options on the command line win over the file', async () => {
    const a = await plan('--config', json);
    expect(a.plan).toMatchObject({ event: 'plan', cells: 12, trials: 3, rules: ['bp', 'dfa'], seeds: [1, 2], finished: 0 });
    expect(await plan('--config', yaml)).toEqual(a);
    expect(a.cell).toMatchObject({ rule: 'dfa', seed: 2, limit: 256, options: { 'on-diverge': 'skip-batch' } });
    expect(a.cell.lr).toBeGreaterThanOrEqual(0.001);
    expect(a.cell.lr).toBeLessThanOrEqual(0.1);
    const over = await plan('--config', yaml, '--rules', 'dfa', '--param', 'optimizer=adam');
    expect(over.plan).toMatchObject({ cells: 6, rules: ['dfa'] });
    expect(over.cell).toMatchObject({ optimizer: 'adam', lr: a.cell.lr });
  });
});

describe('fbl sweep: training', () => {
  const out = join(root, 'grid');
  const args = ['sweep', '--rules', 'bp,dfa', '--param', 'lr=0.1,1000', '--seeds', '1,2', '--epochs', '1', ...tiny, '--out', out];

  it('trains every trial × rule × seed, records a diverging trial with its step, and writes the ranking, best per rule and the plots', async () => {
    const r = await runCli(...args);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^sweep: mnist-fc × bp, dfa × grid of 2 trial\(s\) × seeds 1,2 = 8 cells \(0 finished already\)/);
    expect(r.err).toMatch(/cell \d\/8 mnist-fc-dfa-t001-s2 epoch 1\/1 {2}test \d+\.\d\d%.*ETA/);
    expect(r.out).toMatch(/\| mnist-fc \| bp \| t001 \| 0\.1 \| \d+\.\d\d ± \d+\.\d\d \| 2\/2 \|/);
    expect(r.out).toContain('2/4 trials finished (0 stopped by halving, 2 diverged)');
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    for (const rule of ['bp', 'dfa']) {
      expect(md).toMatch(new RegExp(`## Best configuration per rule[\\s\\S]*\\| mnist-fc \\| ${rule} \\| t001 \\| 0\\.1 \\| \\d+\\.\\d\\d ± \\d+\\.\\d\\d \\| 2/2 \\|`));
      expect(md).toMatch(new RegExp(`\\| [34] \\| t002 \\| ${rule} \\| mnist-fc \\| 1000 \\| — \\| 0/2 \\| 1 \\| diverged \\(s1 at step \\d+, s2 at step \\d+\\) \\|`));
    }
    expect(md).toMatch(/\| 1 \| t001 \| (bp|dfa) \| mnist-fc \| 0\.1 \| \d+\.\d\d ± \d+\.\d\d \| 2\/2 \| 1 \| done \|/);
    expect(md).toContain('![final-acc vs lr, mnist-fc](sweep-mnist-fc-lr.svg)');
    const svg = readFileSync(join(out, 'sweep-mnist-fc-lr.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const s of ['>bp<', '>dfa<', 'lr (log scale)']) expect(svg).toContain(s);
    // The trial's values over the preset's defaults, as the cell recorded them.
    const cell = join(out, 'cells', 'mnist-fc-dfa-t001-s2');
    expect(JSON.parse(readFileSync(join(cell, 'cell.json'), 'utf8'))).toMatchObject({ lr: 0.1, batchSize: 16, feedbackScale: trainDefaults(presetDefaults('mnist-fc'), 'dfa').feedbackScale, seed: 2, limit: 512 });
    const epoch = lines(join(cell, 'epochs.jsonl')).find((l) => l.event === 'epoch')!;
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { trials: { rule: string; trial: string; status: string; objective?: { mean: number; n: number }; diverged: { step: number }[] }[] };
    const dfa = json.trials.find((t) => t.rule === 'dfa' && t.trial === 't001')!;
    expect(dfa).toMatchObject({ status: 'done', objective: { n: 2 } });
    const other = lines(join(out, 'cells', 'mnist-fc-dfa-t001-s1', 'epochs.jsonl')).find((l) => l.event === 'epoch')!;
    expect(dfa.objective!.mean).toBeCloseTo(((epoch.testAccuracy as number) + (other.testAccuracy as number)) / 2, 10);
    const diverged = json.trials.find((t) => t.rule === 'bp' && t.trial === 't002')!;
    expect(diverged.status).toBe('diverged');
    expect(diverged.diverged.map((d) => d.step).every((s) => s > 0)).toBe(true);
  });

  it('a rerun trains nothing: finished trials are skipped, diverged ones left as they are', async () => {
    const log = join(out, 'cells', 'mnist-fc-bp-t001-s1', 'epochs.jsonl');
    const before = readFileSync(log, 'utf8');
    const r = await runCli(...args, '--json');
    expect(r.code, r.err).toBe(0);
    const ev = events(r.out);
    expect(ev[0]).toMatchObject({ event: 'plan', cells: 8, finished: 4, failedBefore: 4 });
    expect(ev.filter((e) => e.event === 'cell-start' || e.event === 'epoch')).toEqual([]);
    expect(ev.at(-1)).toMatchObject({ event: 'done', trials: 4, finished: 2, diverged: 2 });
    expect(readFileSync(log, 'utf8')).toBe(before);
  });

  it('successive halving stops the worse trials at the first rung and continues the best from its checkpoint', async () => {
    const dir = join(root, 'halving');
    const r = await runCli('sweep', '--rules', 'bp', '--param', 'lr=0.00001,0.1', '--seeds', '1', '--epochs', '2', '--halving', '2', ...tiny, '--out', dir, '--json');
    expect(r.code, r.err).toBe(0);
    const ev = events(r.out);
    expect(ev.find((e) => e.event === 'halving')).toMatchObject({ model: 'mnist-fc', rule: 'bp', epochs: 1, kept: ['t002'], stopped: ['t001'] });
    const log = (trial: string) => lines(join(dir, 'cells', `mnist-fc-bp-${trial}-s1`, 'epochs.jsonl'));
    expect(log('t001').filter((l) => l.event === 'epoch').map((l) => l.epoch)).toEqual([1]);
    expect(log('t002').filter((l) => l.event === 'epoch').map((l) => l.epoch)).toEqual([1, 2]);
    expect(log('t002').filter((l) => l.event === 'start').map((l) => l.resume)).toEqual([false, true]);
    const md = readFileSync(join(dir, 'results.md'), 'utf8');
    expect(md).toMatch(/\| 1 \| t002 \| bp \| mnist-fc \| 0\.1 \| \d+\.\d\d ± 0\.00 \| 1\/1 \| 2 \| done \|/);
    expect(md).toMatch(/\| 2 \| t001 \| bp \| mnist-fc \| 0\.00001 \| \d+\.\d\d ± 0\.00 \| 1\/1 \| 1 \| stopped at epoch 1 \|/);
    expect(ev.at(-1)).toMatchObject({ event: 'done', trials: 2, finished: 1, stopped: 1 });
  });
});
