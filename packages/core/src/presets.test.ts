import { describe, expect, it } from 'vitest';
import { FblError } from './errors';
import { MLP_DEFAULTS, listPresets, presetDefaults, presetSpec, specDefaults } from './presets';
import { buildModel } from './spec';
import { useBackend } from './test-numerics';
import * as tf from '@tensorflow/tfjs-core';
import './register';

describe('presetDefaults', () => {
  it('gives --arch MLPs the reference feedback per rule and leaves the other rules at their own', () => {
    expect(presetDefaults(undefined, 'fa')).toMatchObject({ optimizer: 'momentum', lr: 0.01, batchSize: 64, feedback: 'fan-out', feedbackScale: 1 });
    expect(presetDefaults(undefined, 'dfa').feedback).toBe('he-normal');
    expect(presetDefaults(undefined, 'bp').feedback).toBeUndefined();
    expect(presetDefaults(undefined)).not.toHaveProperty('rules');
  });

  it('gives a model without a preset the tanh MLPs\' feedback only when every hidden block saturates', () => {
    const dense = (activation?: 'tanh' | 'sigmoid' | 'relu' | 'linear') => ({ type: 'dense' as const, units: 8, ...(activation ? { activation } : {}) });
    const out = { type: 'dense' as const, units: 10 };
    expect(specDefaults({ input: [4], layers: [dense('tanh'), dense('sigmoid'), out] }, 'dfa')).toEqual(presetDefaults(undefined, 'dfa'));
    // relu by default, relu or linear by name, or any conv block: the relu MLPs' fractions of BP's step
    for (const hidden of [dense(), dense('relu'), dense('linear')]) {
      expect(specDefaults({ input: [4], layers: [dense('tanh'), hidden, out] }, 'dfa')).toEqual(presetDefaults('mnist-fc', 'dfa'));
    }
    const conv = { type: 'conv2d' as const, filters: 2, kernel: 3, activation: 'tanh' as const };
    expect(specDefaults({ input: [8, 8, 1], layers: [conv, out] }, 'drtp')).toEqual(presetDefaults('mnist-fc', 'drtp'));
    expect(specDefaults({ input: [4], layers: [dense(), out] }, 'drtp').feedbackScale).toBe(0.002);
  });

  it('applies a preset\'s per-rule overrides on top of its base, and only for that rule', () => {
    const dfa = presetDefaults('cifar-conv', 'dfa');
    expect(dfa).toMatchObject({ lr: 0.01, epochs: 3, normalize: true, feedbackScale: 0.3, feedbackConv: 'positions', lrDecaySteps: 300 });
    expect(presetDefaults('cifar-conv', 'bp')).toMatchObject({ normalize: true, feedbackScale: 1 });
    expect(presetDefaults('cifar-conv', 'bp').feedbackConv).toBeUndefined();
    expect(presetDefaults('cifar-conv', 'bp').lrDecaySteps).toBeUndefined();
    expect(presetDefaults('mnist-conv', 'dfa').feedbackScale).toBe(1);
  });

  it('treats deep-mlp-L as the relu MLP it is, and refuses unknown presets with the names it knows', () => {
    expect(presetDefaults('deep-mlp-8', 'dfa')).toEqual(presetDefaults('mnist-fc', 'dfa'));
    expect(presetDefaults('deep-mlp-8', 'dfa').feedbackScale).toBeLessThan(1);
    expect(() => presetDefaults('cifar-resnet', 'bp')).toThrow(FblError);
    expect(() => presetDefaults('cifar-resnet', 'bp')).toThrow(/unknown preset "cifar-resnet" \(expected mnist-fc, mnist-conv, cifar-conv, mnist-conv-bn, cifar-conv-bn, deep-mlp-<L>, long-fc\[-<L>\], long-conv\[-<L>\]\)/);
  });

  it('lists every preset with the defaults presetDefaults uses', () => {
    const list = listPresets();
    expect(list.map((p) => p.name)).toEqual(['mnist-fc', 'mnist-conv', 'cifar-conv', 'mnist-conv-bn', 'cifar-conv-bn', 'deep-mlp-<L>', 'long-fc[-<L>]', 'long-conv[-<L>]']);
    for (const p of list.slice(0, 5)) expect(presetDefaults(p.name, 'fa')).toMatchObject({ ...p.defaults.rules?.fa, lr: p.defaults.rules?.fa?.lr ?? p.defaults.lr });
    expect(MLP_DEFAULTS.normalize).toBe(false);
  });
});

describe('the authors\' batch-norm presets', () => {
  it('long-fc[-L]: L × [dense 500 → BN → sigmoid] then logits, 30 by default, momentum', () => {
    const spec = presetSpec('long-fc');
    expect(spec.layers).toHaveLength(31);
    expect(spec.layers[0]).toEqual({ type: 'dense', units: 500, activation: 'sigmoid', batchNorm: true });
    expect(spec.layers[30]).toEqual({ type: 'dense', units: 10 });
    expect(presetSpec('long-fc-5', { inputShape: [32, 32, 3] })).toMatchObject({ input: [3072], layers: { length: 6 } });
    expect(presetDefaults('long-fc-5', 'mem-dfa')).toMatchObject({ optimizer: 'momentum', lr: 0.01, epochs: 1, feedbackScale: 1 });
    expect(presetDefaults('long-fc-5', 'mem-dfa').feedback).toBeUndefined();
    expect(() => presetSpec('long-fc-0')).toThrow('long-fc depth must be 1 to 1000, got 0');
  });

  it('long-conv[-L]: L × [conv5x5x5 same → BN → sigmoid] on the data\'s image shape', () => {
    const spec = presetSpec('long-conv-3');
    expect(spec.input).toEqual([28, 28, 1]);
    expect(spec.layers.slice(0, 3).every((l) => l.type === 'conv2d' && l.filters === 5 && l.kernel === 5 && l.padding === 'same' && l.batchNorm === true)).toBe(true);
    expect(presetSpec('long-conv', { inputShape: [32, 32, 3] })).toMatchObject({ input: [32, 32, 3], layers: { length: 31 } });
    expect(() => presetSpec('long-conv', { inputShape: [10] })).toThrow('long-conv needs image inputs [h, w, c] or a flat square image, got [10]');
  });

  it('mnist-conv-bn and cifar-conv-bn add batch norm to every hidden block only, and build', async () => {
    await useBackend('cpu');
    for (const [name, base] of [['mnist-conv-bn', 'mnist-conv'], ['cifar-conv-bn', 'cifar-conv']] as const) {
      const spec = presetSpec(name);
      const plain = presetSpec(base);
      expect(spec.layers.map((l) => !!l.batchNorm)).toEqual(plain.layers.map((_, i) => i < plain.layers.length - 1));
      expect(spec.layers.map(({ batchNorm, ...l }) => (void batchNorm, l))).toEqual(plain.layers);
      expect(presetDefaults(name, 'dfa')).toEqual(presetDefaults(base, 'dfa'));
      const model = buildModel(spec, { inputShape: spec.input, numClasses: 10, seed: 1 });
      expect(model.blocks.filter((b) => b.stats)).toHaveLength(spec.layers.length - 1);
      const out = tf.tidy(() => model.forward(tf.ones([2, ...spec.input])));
      expect(out.shape).toEqual([2, 10]);
      out.dispose();
      model.dispose();
    }
  });
});
