import { describe, expect, it } from 'vitest';
import { sweepReport } from './report';
import { rankTrials, summarizeTrial, type TrialRun } from './results';
import { parseParamFlag } from './space';

const space = ['lr=log:0.001:1', 'optimizer=sgd,adam', 'batch-size=16'].map(parseParamFlag);
const run = (rule: string, trial: string, lr: number, optimizer: string, accs: number[]): TrialRun => ({
  model: 'mnist-fc', rule, trial, values: { lr, optimizer, 'batch-size': 16 }, epochs: 1, stopped: false,
  seeds: accs.map((value, i) => ({ seed: i + 1, outcome: { status: 'done', value } })),
});
const ranked = rankTrials([
  run('bp', 't001', 0.003, 'sgd', [0.8, 0.82]), run('bp', 't002', 0.3, 'adam', [0.9, 0.94]),
  run('dfa', 't001', 0.003, 'sgd', [0.7, 0.7]), run('dfa', 't002', 0.3, 'adam', [0.6, 0.64]),
].map(summarizeTrial), true);
const files = sweepReport({ ranked, space, objective: 'final-acc', meta: { search: 'random search, 2 trials' }, cells: [], logs: new Map() });

describe('sweepReport', () => {
  it('writes the best configuration per rule and model and a ranked table, mean ± sd over seeds', () => {
    const md = files['results.md']!;
    expect(md).toContain('search: random search, 2 trials · trials finished: 4/4');
    expect(md).toContain('- lr ~ log-uniform [0.001, 1]');
    expect(md).toContain('Fixed for every trial: batch-size 16.');
    expect(md).toMatch(/## Best configuration per rule\n\n\| model \| rule \| trial \| lr \| optimizer \| final-acc \(mean ± sd\) \| seeds \|\n\|---\|---\|---\|---\|---\|---:\|---:\|\n\| mnist-fc \| bp \| t002 \| 0\.3 \| adam \| 92\.00 ± 2\.83 \| 2\/2 \|\n\| mnist-fc \| dfa \| t001 \| 0\.003 \| sgd \| 70\.00 ± 0\.00 \| 2\/2 \|/);
    expect(md).toMatch(/## Best configuration per model\n\n.*\n.*\n\| mnist-fc \| bp \| t002 \|/);
    expect(md).toContain('| 1 | t002 | bp | mnist-fc | 0.3 | adam | 92.00 ± 2.83 | 2/2 | 1 | done |');
    expect(md).toContain('| 4 | t002 | dfa | mnist-fc | 0.3 | adam | 62.00 ± 2.83 | 2/2 | 1 | done |');
    expect(md).toContain('![final-acc vs lr, mnist-fc](sweep-mnist-fc-lr.svg)');
    const json = JSON.parse(files['results.json']!) as { best: { perRule: { rule: string; trial: string }[] }; trials: unknown[]; maximize: boolean };
    expect(json.best.perRule.map((b) => `${b.rule} ${b.trial}`)).toEqual(['bp t002', 'dfa t001']);
    expect(json.trials).toHaveLength(4);
    expect(json.maximize).toBe(true);
  });

  it('plots the objective against each swept parameter, one colour per rule, lr on a log axis', () => {
    expect(Object.keys(files).filter((f) => f.endsWith('.svg')).sort()).toEqual(['sweep-mnist-fc-lr.svg', 'sweep-mnist-fc-optimizer.svg']);
    const lr = files['sweep-mnist-fc-lr.svg']!;
    expect(lr.startsWith('<svg')).toBe(true);
    expect(lr).toContain('lr (log scale)');
    expect(lr).toContain('>bp<');
    expect(lr).toContain('>dfa<');
    expect(lr).not.toContain('<polyline');
    expect(lr.match(/<circle/g)).toHaveLength(4);
    expect(new Set([...lr.matchAll(/<circle [^>]*fill="(#[0-9a-f]+)"/g)].map((m) => m[1])).size).toBe(2);
    // categories are ticks by name
    expect(files['sweep-mnist-fc-optimizer.svg']).toMatch(/>sgd<[\s\S]*>adam</);
  });
});
