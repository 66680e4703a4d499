import { describe, expect, it } from 'vitest';
import type { CellOutcome } from './objective';
import { best, rankTrials, statusLabel, summarizeTrial, type TrialRun } from './results';

const done = (value: number): CellOutcome => ({ status: 'done', value });
const run = (rule: string, trial: string, outcomes: CellOutcome[], extra: Partial<TrialRun> = {}): TrialRun => ({
  model: 'mnist-fc', rule, trial, values: { lr: 0.1 }, epochs: 2, stopped: false, seeds: outcomes.map((outcome, i) => ({ seed: i + 1, outcome })), ...extra,
});

describe('trial results', () => {
  it('summarises seeds as mean ± sample sd, and a divergence as a result with its step', () => {
    const r = summarizeTrial(run('bp', 't001', [done(0.9), done(0.8)]));
    expect(r.status).toBe('done');
    expect(r.objective!.mean).toBeCloseTo(0.85);
    expect(r.objective!.sd).toBeCloseTo(Math.sqrt(0.005));
    expect(r.objective!.n).toBe(2);
    const d = summarizeTrial(run('bp', 't002', [done(0.5), { status: 'diverged', step: 40, epoch: 1, error: 'loss exploded at step 40 (epoch 1) with rule bp' }]));
    expect(d).toMatchObject({ status: 'diverged', diverged: [{ seed: 2, step: 40, epoch: 1 }], objective: { mean: 0.5, n: 1 } });
    expect(statusLabel(d)).toBe('diverged (s2 at step 40)');
    expect(statusLabel(summarizeTrial(run('bp', 't003', [done(0.5)], { stopped: true, epochs: 1 })))).toBe('stopped at epoch 1');
    expect(summarizeTrial(run('bp', 't004', [done(0.5), { status: 'open' }])).status).toBe('unfinished');
    expect(statusLabel(summarizeTrial(run('bp', 't005', [{ status: 'failed', error: 'out of memory' }])))).toBe('failed: out of memory');
    // A seed that failed on an error is trained again by the next run; until then the trial shows it.
    expect(statusLabel(summarizeTrial(run('bp', 't006', [done(0.5), { status: 'open', error: 'no space left on the device' }])))).toBe('failed: no space left on the device');
  });

  it('ranks finished trials by objective, then stopped ones (later rungs first), then the rest; best per rule and per model', () => {
    const results = [
      run('bp', 't001', [done(0.7)]), run('bp', 't002', [done(0.9)]), run('dfa', 't001', [done(0.8)]), run('dfa', 't002', [done(0.95)], { stopped: true, epochs: 1 }),
      run('dfa', 't003', [{ status: 'diverged', step: 3, epoch: 1, error: '' }]), run('bp', 't003', [done(0.99)], { stopped: true, epochs: 2 }),
    ].map(summarizeTrial);
    const ranked = rankTrials(results, true);
    expect(ranked.map((r) => `${r.rule} ${r.trial} ${r.rank}`)).toEqual(['bp t002 1', 'dfa t001 2', 'bp t001 3', 'bp t003 4', 'dfa t002 5', 'dfa t003 6']);
    expect(best(ranked, 'rule').map((r) => `${r.rule} ${r.trial}`)).toEqual(['bp t002', 'dfa t001']);
    expect(best(ranked, 'model').map((r) => `${r.rule} ${r.trial}`)).toEqual(['bp t002']);
    // a loss: lower first
    expect(rankTrials(results.slice(0, 2), false).map((r) => r.trial)).toEqual(['t001', 't002']);
  });
});
