import { describe, expect, it } from 'vitest';
import { presetDefaults } from '@feedback-lab/core';
import { trainDefaults } from '@feedback-lab/rules';
import { trainArgs } from '../reproduce/plan';
import { trialCells } from './cells';
import { expandTrials } from './sample';
import { parseParamFlag } from './space';

const plan = { out: '/tmp/sweep-out', models: ['mnist-fc'] as const, rules: ['bp', 'dfa'], seeds: [1, 2], limits: { 'mnist-fc': 256 } };
const trials = (...flags: string[]) => expandTrials(flags.map(parseParamFlag), { searchSeed: 1 });

describe('trialCells', () => {
  it('expands trials × rules × seeds into cells with deterministic ids, trial by trial', () => {
    const cells = trialCells(plan, trials('lr=0.01,0.1'));
    expect(cells.map((c) => c.id)).toEqual([
      'mnist-fc-bp-t001-s1', 'mnist-fc-bp-t001-s2', 'mnist-fc-bp-t002-s1', 'mnist-fc-bp-t002-s2',
      'mnist-fc-dfa-t001-s1', 'mnist-fc-dfa-t001-s2', 'mnist-fc-dfa-t002-s1', 'mnist-fc-dfa-t002-s2',
    ]);
    for (const c of cells) expect(c.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
    expect(cells[0]!.dir).toBe('/tmp/sweep-out/cells/mnist-fc-bp-t001-s1');
    expect(cells.map((c) => c.config.lr)).toEqual([0.01, 0.01, 0.1, 0.1, 0.01, 0.01, 0.1, 0.1]);
  });

  it('starts from the preset and rule defaults and overrides only what the trial sets; other options go into options', () => {
    const [cell] = trialCells({ ...plan, rules: ['dfa'], seeds: [1] }, trials('lr=0.05', 'optimizer=adam', 'feedback-conv=none', 'on-diverge=skip-batch', 'feedback-mode=regenerate'));
    const d = trainDefaults(presetDefaults('mnist-fc'), 'dfa');
    expect(cell!.epochs).toBe(d.epochs);
    expect(cell!.config).toEqual({
      model: 'mnist-fc', preset: 'mnist-fc', dataset: 'mnist', rule: 'dfa', seed: 1, limit: 256,
      optimizer: 'adam', lr: 0.05, batchSize: d.batchSize, feedbackScale: d.feedbackScale, feedbackConv: 'none',
      options: { 'feedback-mode': 'regenerate', 'on-diverge': 'skip-batch' },
    });
  });

  it('refuses values fbl train could not be told, naming the trial; a scale of 1 is said explicitly', () => {
    // mnist-fc's DFA scale is 0.25: a swept 1 must reach fbl train as --feedback-scale 1.
    const one = trialCells({ ...plan, rules: ['dfa'], seeds: [1] }, trials('feedback-scale=0.5,1'))[1]!;
    expect(one.config.feedbackScale).toBe(1);
    expect(trainArgs(one.config, 1).join(' ')).toContain('--feedback-scale 1');
    expect(() => trialCells({ ...plan, models: ['cifar-conv'], rules: ['bp'], dataDir: '/data' }, trials('normalize=false'))).toThrow(/normalize false cannot be swept on cifar-conv bp/);
    // a rule flag the rule does not take is left out of its cells (fbl train would refuse it)
    const [dfa] = trialCells({ ...plan, rules: ['dfa'], seeds: [1] }, trials('fa-symmetric=true', 'lr=0.05'));
    expect(dfa!.config.options).toBeUndefined();
    expect(trainArgs(dfa!.config, 1)).not.toContain('--fa-symmetric');
    // on a preset without a scale of its own, 1 is its default and fine
    expect(trialCells({ ...plan, rules: ['bp'], seeds: [1] }, trials('feedback-scale=1'))[0]!.config.feedbackScale).toBe(1);
  });
});
