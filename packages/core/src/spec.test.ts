import { describe, expect, it } from 'vitest';
import { FblError } from './errors';
import { listPresets, presetSpec } from './presets';
import { buildModel, MAX_LAYERS, validateSpec } from './spec';
import { didYouMean } from './suggest';

const dense = (units: number, extra: object = {}) => ({ type: 'dense', units, ...extra });
const deep = (n: number) => ({ input: [4], layers: [...Array.from({ length: n - 1 }, () => dense(4)), dense(2)] });

/** The message of what `f` throws, checking that it is a one-line INVALID_OPTION FblError. */
function failure(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(FblError);
    expect((err as FblError).code).toBe('INVALID_OPTION');
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('did not throw');
}

describe('validateSpec: depth', () => {
  it(`accepts ${MAX_LAYERS} blocks and refuses one more, naming the count and the limit`, () => {
    expect(validateSpec(deep(MAX_LAYERS)).layers).toHaveLength(MAX_LAYERS);
    expect(failure(() => validateSpec(deep(MAX_LAYERS + 1), 'f.json'))).toBe(`f.json: layers has ${MAX_LAYERS + 1} blocks, over the limit of ${MAX_LAYERS} (the deepest preset has 1001)`);
  });

  it('refuses 10⁵ blocks at once, before checking each one', () => {
    const layers = Array.from({ length: 100_000 }, () => ({ type: 'nonsense' })); // each one invalid
    expect(failure(() => validateSpec({ input: [4], layers }))).toMatch(/layers has 100000 blocks, over the limit of 2000/);
  });

  it('refuses a spec built in code that is too deep before allocating anything', () => {
    expect(failure(() => buildModel(deep(MAX_LAYERS + 1) as never, { inputShape: [4], numClasses: 2 }))).toMatch(/layers has 2001 blocks/);
  });

  it('keeps room above the deepest presets', () => {
    for (const name of ['deep-mlp-1000', 'long-fc-1000', 'long-conv-1000']) expect(presetSpec(name).layers.length).toBeLessThanOrEqual(MAX_LAYERS);
  });
});

describe('validateSpec: unknown keys', () => {
  it.each([
    ['top level', { input: [4], layer: [dense(2)] }, 'unknown key "layer" at the top level (did you mean "layers"?); a model spec takes name, input, layers'],
    ['dense layer', { input: [4], layers: [dense(3, { activations: 'tanh' }), dense(2)] }, 'unknown key "activations" in layers[0] (did you mean "activation"?); a dense layer takes type, units, activation, batchNorm'],
    ['case', { input: [4], layers: [dense(3), dense(3), dense(3), dense(3, { batchnorm: true }), dense(2)] }, 'unknown key "batchnorm" in layers[3] (did you mean "batchNorm"?)'],
    ['snake case', { input: [4], layers: [dense(3, { batch_norm: true }), dense(2)] }, 'unknown key "batch_norm" in layers[0] (did you mean "batchNorm"?)'],
    ['conv layer', { input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 2, kernal: 3 }, dense(2)] }, 'unknown key "kernal" in layers[0] (did you mean "kernel"?); a conv2d layer takes type, filters, kernel, stride, padding, pool, activation, batchNorm'],
    ['pool', { input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 2, kernel: 1, pool: { type: 'max', size: 2, strides: 2 } }, dense(2)] }, 'unknown key "strides" in layers[0].pool (did you mean "stride"?); pool takes type, size, stride, padding'],
    ['batch norm', { input: [4], layers: [dense(3, { batchNorm: { momentun: 0.9 } }), dense(2)] }, 'unknown key "momentun" in layers[0].batchNorm (did you mean "momentum"?); batchNorm takes momentum, epsilon'],
    ['type', { input: [4], layers: [{ tpye: 'dense', units: 3 }, dense(2)] }, 'unknown key "tpye" in layers[0] (did you mean "type"?)'],
    ['a key of the other layer type', { input: [4], layers: [dense(3, { kernel: 3 }), dense(2)] }, 'unknown key "kernel" in layers[0]; a dense layer takes type, units, activation, batchNorm'],
  ])('%s: names the key, where it is and the closest known key', (_, spec, message) => {
    expect(failure(() => validateSpec(spec, 'net.json'))).toContain(`net.json: ${message}`);
  });

  it('keeps an odd or huge key on one short line', () => {
    const message = failure(() => validateSpec({ input: [4], layers: [dense(2)], [`a\nb${'x'.repeat(10_000)}`]: 1 }));
    expect(message).toMatch(/^model spec: unknown key "a\\nbx+\.\.\. at the top level; a model spec takes name, input, layers$/);
    expect(message.length).toBeLessThan(200);
  });

  it('accepts every key the code writes: each preset survives JSON and validation unchanged', () => {
    const names = listPresets().map((p) => p.name.replace('<L>', '3').replace('[-3]', '-3'));
    expect(names).toContain('long-conv-3');
    for (const name of names) {
      const spec = JSON.parse(JSON.stringify(presetSpec(name)));
      expect(JSON.parse(JSON.stringify(validateSpec(spec, name)))).toEqual(spec);
    }
    const full = { name: 'all', input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 2, kernel: 3, stride: 1, padding: 'same', pool: { type: 'avg', size: 2, stride: 2, padding: 'valid' }, activation: 'relu', batchNorm: { momentum: 0.8, epsilon: 1e-3 } }, dense(2, { activation: 'linear', batchNorm: false })] };
    expect(validateSpec(full)).toEqual(full);
  });
});

describe('validateSpec: values', () => {
  it('shows a bad value cut to one short line, also one too deep to print', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 100_000; i++) nested = [nested];
    expect(failure(() => validateSpec({ input: [nested], layers: [dense(2)] }))).toBe('model spec: input[0] must be a positive integer, got […]');
    expect(failure(() => validateSpec({ input: [4], layers: [dense(2, { activation: 'x'.repeat(1000) })] }))).toMatch(/got "x{56}\.\.\.$/);
  });

  it('refuses a name that is not a string and a pool that is not an object', () => {
    expect(failure(() => validateSpec({ name: 7, input: [4], layers: [dense(2)] }))).toBe('model spec: name must be a string, got 7');
    expect(failure(() => validateSpec({ input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 2, kernel: 1, pool: null }, dense(2)] }))).toMatch(/layers\[0\]\.pool must be \{ type, size, stride\?, padding\? \}, got null/);
  });
});

describe('didYouMean', () => {
  it('suggests the closest name, ignoring case and _ vs -, and nothing when none is close', () => {
    expect(didYouMean('batchnorm', ['units', 'batchNorm'])).toBe(' (did you mean "batchNorm"?)');
    expect(didYouMean('lr_decay', ['lr-decay-steps', 'lr-decay'])).toBe(' (did you mean "lr-decay"?)');
    expect(didYouMean('zzzzzz', ['units', 'batchNorm'])).toBe('');
  });
});
