import { presetDefaults, specDefaults } from '@feedback-lab/core';
import { RULE_NAMES, trainDefaults } from '@feedback-lab/rules';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_CHOICES, MODEL_PRESETS, defaultsKey, parsePreset } from '../presets';
import { defaultsTable } from './defaults';
import { mlpSpec } from './specs';

describe('the defaults table the worker sends the page', () => {
  const table = defaultsTable();

  it('has every rule for every preset and MLP activation', () => {
    const keys = [...MODEL_PRESETS.filter((p) => !p.arch).map((p) => p.id), ...ACTIVATION_CHOICES.map((a) => `mlp-${a}`)];
    expect(Object.keys(table).sort()).toEqual(keys.sort());
    for (const k of keys) expect(Object.keys(table[k]!)).toEqual(RULE_NAMES);
  });

  it("gives what fbl train takes, whatever the depth (the page keys depth presets by id)", () => {
    for (const name of ['long-fc-3', 'long-fc-200', 'long-conv-7', 'deep-mlp-2', 'cifar-conv-bn', 'mnist-fc']) {
      const p = parsePreset(name);
      if (!p || 'error' in p) throw new Error(name);
      for (const rule of RULE_NAMES) expect(table[defaultsKey(p, 'tanh')]![rule]).toEqual(trainDefaults(presetDefaults(name), rule));
    }
    // widths: by what the MLP computes, for any widths
    for (const a of ACTIVATION_CHOICES) {
      for (const rule of RULE_NAMES) expect(table[defaultsKey(undefined, a)]![rule]).toEqual(trainDefaults(specDefaults(mlpSpec([784, 800, 800, 10], a)), rule));
    }
    // the rules differ somewhere: cifar-conv's DFA decays and scales, BP does not
    expect(table['cifar-conv']!.dfa).toMatchObject({ lrDecaySteps: 300, feedbackScale: 0.3, feedbackConv: 'positions', normalize: true });
    expect(table['cifar-conv']!.bp!.lrDecaySteps).toBeUndefined();
  });
});
