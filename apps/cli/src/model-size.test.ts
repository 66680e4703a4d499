import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, presetSpec, selectBackend } from '@feedback-lab/core';
import { checkModelFits, specParams } from './model-size';

describe('model size from the spec alone', () => {
  beforeAll(() => selectBackend('cpu'));
  it.each(['mnist-fc', 'mnist-conv', 'cifar-conv', 'deep-mlp-3'])('%s: counts exactly the parameters buildModel creates', (name) => {
    const spec = presetSpec(name, { numClasses: 10 });
    const model = buildModel(spec, { inputShape: spec.input, numClasses: 10, seed: 1 });
    expect(specParams(spec)).toBe(model.blocks.flatMap((b) => b.params).reduce((s, p) => s + p.size, 0));
    model.dispose();
  });

  it('refuses a hostile spec before allocating anything', () => {
    const spec = { input: [2], layers: [{ type: 'dense' as const, units: 1e9 }, { type: 'dense' as const, units: 3 }] };
    const t0 = performance.now();
    expect(() => checkModelFits(spec, 'momentum', 3.5 * 2 ** 30)).toThrow(/the model has 6\.000e\+9 parameters: with momentum that is about 68665 MiB before any activation, over the 3584 MiB limit/);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(() => checkModelFits(presetSpec('mnist-fc'), 'adam', 3.5 * 2 ** 30)).not.toThrow();
  });
});
