import { describe, expect, it } from 'vitest';
import { FblError } from './errors';
import { MLP_DEFAULTS, listPresets, presetDefaults } from './presets';

describe('presetDefaults', () => {
  it('gives --arch MLPs the reference feedback per rule and leaves the other rules at their own', () => {
    expect(presetDefaults(undefined, 'fa')).toMatchObject({ optimizer: 'momentum', lr: 0.01, batchSize: 64, feedback: 'fan-out', feedbackScale: 1 });
    expect(presetDefaults(undefined, 'dfa').feedback).toBe('he-normal');
    expect(presetDefaults(undefined, 'bp').feedback).toBeUndefined();
    expect(presetDefaults(undefined)).not.toHaveProperty('rules');
  });

  it('applies a preset\'s per-rule overrides on top of its base, and only for that rule', () => {
    const dfa = presetDefaults('cifar-conv', 'dfa');
    expect(dfa).toMatchObject({ lr: 0.01, epochs: 3, normalize: true, feedbackScale: 0.3, feedbackConv: 'positions' });
    expect(presetDefaults('cifar-conv', 'bp')).toMatchObject({ normalize: true, feedbackScale: 1 });
    expect(presetDefaults('cifar-conv', 'bp').feedbackConv).toBeUndefined();
    expect(presetDefaults('mnist-conv', 'dfa').feedbackScale).toBe(1);
  });

  it('treats deep-mlp-L as the relu MLP it is, and refuses unknown presets with the names it knows', () => {
    expect(presetDefaults('deep-mlp-8', 'dfa')).toEqual(presetDefaults('mnist-fc', 'dfa'));
    expect(presetDefaults('deep-mlp-8', 'dfa').feedbackScale).toBeLessThan(1);
    expect(() => presetDefaults('cifar-resnet', 'bp')).toThrow(FblError);
    expect(() => presetDefaults('cifar-resnet', 'bp')).toThrow(/unknown preset "cifar-resnet" \(expected mnist-fc, mnist-conv, cifar-conv, deep-mlp-<L>\)/);
  });

  it('lists every preset with the defaults presetDefaults uses', () => {
    const list = listPresets();
    expect(list.map((p) => p.name)).toEqual(['mnist-fc', 'mnist-conv', 'cifar-conv', 'deep-mlp-<L>']);
    for (const p of list.slice(0, 3)) expect(presetDefaults(p.name, 'fa')).toMatchObject({ ...p.defaults.rules?.fa, lr: p.defaults.rules?.fa?.lr ?? p.defaults.lr });
    expect(MLP_DEFAULTS.normalize).toBe(false);
  });
});
