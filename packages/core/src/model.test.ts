import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FblError } from './errors';
import { dense } from './dense';
import { mlp, parseArch, sequential } from './model';
import { selectBackend } from './backend';
import { initWeights } from './init';

describe('models', () => {
  it('parses architectures and rejects bad ones with a typed error', () => {
    expect(parseArch('784-800-10')).toEqual([784, 800, 10]);
    for (const bad of ['784', '784-', 'a-10', '784-0-10', '784--10', '1.5-2']) {
      expect(() => parseArch(bad)).toThrow(FblError);
    }
  });

  it('builds an MLP whose forward pass has the right shape and frees everything on dispose', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    const model = mlp({ arch: [6, 5, 3], activation: 'relu', seed: 1 });
    expect(model.blocks.map((b) => b.outputShape)).toEqual([[5], [3]]);
    const out = tf.tidy(() => model.forward(tf.ones([2, 6])));
    expect(out.shape).toEqual([2, 3]);
    out.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses blocks whose shapes do not chain', () => {
    const a = dense({ inputSize: 4, units: 3, seed: 1 });
    const b = dense({ inputSize: 5, units: 2, seed: 2 });
    expect(() => sequential([a, b])).toThrow(/expects input \[5\]/);
    [...a.params, ...b.params].forEach((p) => p.dispose());
  });

  it('initialises deterministically with the scale the initialiser promises', () => {
    const t = initWeights([400, 300], 'he-normal', 3);
    const u = initWeights([400, 300], 'he-normal', 3);
    const v = Array.from(t.dataSync());
    expect(Array.from(u.dataSync())).toEqual(v);
    const variance = v.reduce((s, x) => s + x * x, 0) / v.length;
    expect(variance).toBeGreaterThan((2 / 400) * 0.95);
    expect(variance).toBeLessThan((2 / 400) * 1.05);
    tf.dispose([t, u]);
  });
});
