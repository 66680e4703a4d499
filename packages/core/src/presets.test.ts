import { describe, expect, it } from 'vitest';
import { FblError } from './errors';
import { MLP_DEFAULTS, listPresets, presetDefaults, presetSpec, specDefaults } from './presets';
import { buildModel } from './spec';
import { useBackend } from './test-numerics';
import * as tf from '@tensorflow/tfjs-core';
import './register';

describe('presetDefaults', () => {
  it('gives --arch MLPs the library defaults, kind tanh-mlp, and no per-rule entries', () => {
    expect(presetDefaults(undefined)).toEqual({ optimizer: 'momentum', lr: 0.01, batchSize: 64, epochs: 2, feedbackScale: 1, normalize: false, kind: 'tanh-mlp' });
    expect(presetDefaults(undefined)).toEqual(MLP_DEFAULTS);
    expect(presetDefaults(undefined)).not.toHaveProperty('rules');
  });

  it('calls a model without a preset tanh-mlp only when every hidden block saturates', () => {
    const dense = (activation?: 'tanh' | 'sigmoid' | 'relu' | 'linear') => ({ type: 'dense' as const, units: 8, ...(activation ? { activation } : {}) });
    const out = { type: 'dense' as const, units: 10 };
    expect(specDefaults({ input: [4], layers: [dense('tanh'), dense('sigmoid'), out] })).toEqual(presetDefaults(undefined));
    // relu by default, relu or linear by name, or any conv block: the relu MLPs' kind
    for (const hidden of [dense(), dense('relu'), dense('linear')]) {
      expect(specDefaults({ input: [4], layers: [dense('tanh'), hidden, out] })).toEqual(presetDefaults('mnist-fc'));
    }
    const conv = { type: 'conv2d' as const, filters: 2, kernel: 3, activation: 'tanh' as const };
    expect(specDefaults({ input: [8, 8, 1], layers: [conv, out] }).kind).toBe('relu-mlp');
  });

  it('gives each preset its rule-independent defaults and kind', () => {
    expect(presetDefaults('cifar-conv')).toEqual({ optimizer: 'momentum', lr: 0.01, batchSize: 64, epochs: 3, feedbackScale: 1, normalize: true, kind: 'cifar-conv' });
    expect(presetDefaults('mnist-conv').kind).toBe('mnist-conv');
    expect(presetDefaults('long-conv-5')).toMatchObject({ epochs: 1, kind: 'long' });
    // a copy: callers may change theirs
    const d = presetDefaults('mnist-fc');
    d.lr = 1;
    expect(presetDefaults('mnist-fc').lr).toBe(0.01);
  });

  it('treats deep-mlp-L as the relu MLP it is, and refuses unknown presets with the names it knows', () => {
    expect(presetDefaults('deep-mlp-8')).toEqual(presetDefaults('mnist-fc'));
    expect(presetDefaults('deep-mlp-8').kind).toBe('relu-mlp');
    expect(() => presetDefaults('cifar-resnet')).toThrow(FblError);
    expect(() => presetDefaults('cifar-resnet')).toThrow(/unknown preset "cifar-resnet" \(expected mnist-fc, mnist-conv, cifar-conv, mnist-conv-bn, cifar-conv-bn, deep-mlp-<L>, long-fc\[-<L>\], long-conv\[-<L>\]\)/);
  });

  it('lists every preset with the defaults presetDefaults uses', () => {
    const list = listPresets();
    expect(list.map((p) => p.name)).toEqual(['mnist-fc', 'mnist-conv', 'cifar-conv', 'mnist-conv-bn', 'cifar-conv-bn', 'deep-mlp-<L>', 'long-fc[-<L>]', 'long-conv[-<L>]']);
    for (const p of list) expect(presetDefaults(p.name.replace('<L>', '3').replace('[-3]', '-3'))).toEqual(p.defaults);
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
    expect(presetDefaults('long-fc-5')).toMatchObject({ optimizer: 'momentum', lr: 0.01, epochs: 1, feedbackScale: 1, kind: 'long' });
    expect(presetDefaults('long-fc-5').feedback).toBeUndefined();
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
      expect(presetDefaults(name)).toEqual(presetDefaults(base));
      const model = buildModel(spec, { inputShape: spec.input, numClasses: 10, seed: 1 });
      expect(model.blocks.filter((b) => b.stats)).toHaveLength(spec.layers.length - 1);
      const out = tf.tidy(() => model.forward(tf.ones([2, ...spec.input])));
      expect(out.shape).toEqual([2, 10]);
      out.dispose();
      model.dispose();
    }
  });
});
