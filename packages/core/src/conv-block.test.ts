import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { conv2dBlock } from './conv-block';
import { softmaxCrossEntropy } from './loss';
import { buildModel } from './spec';
import { presetSpec } from './presets';
import { normals, relErr, useBackend } from './test-numerics';
import './register';

/** Parameter gradients of the batch loss (BP through every block) and ∂L/∂x. */
function modelGrads(preset: string, n: number): Float32Array[] {
  const spec = presetSpec(preset);
  const model = buildModel(spec, { inputShape: spec.input, numClasses: 10, seed: 5 });
  const out = tf.tidy(() => {
    const x = tf.tensor(normals(n * spec.input.reduce((a, b) => a * b), 11), [n, ...spec.input]);
    const y = tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32'), 10), 'float32');
    const params = model.blocks.flatMap((b) => b.params);
    const { grads } = tf.variableGrads(() => softmaxCrossEntropy.value(model.forward(x), y), params);
    const dx = tf.grad((a) => softmaxCrossEntropy.value(model.forward(a), y))(x);
    return [...params.map((p) => grads[p.name]!.dataSync() as Float32Array), dx.dataSync() as Float32Array];
  });
  model.dispose();
  return out;
}

describe('conv2d block', () => {
  it('has the output shapes of the paper models', async () => {
    await useBackend('wasm');
    const shapes = (p: string) => {
      const spec = presetSpec(p);
      const m = buildModel(spec, { inputShape: spec.input, numClasses: 10, seed: 1 });
      const s = m.blocks.map((b) => b.outputShape);
      m.dispose();
      return s;
    };
    expect(shapes('mnist-conv')).toEqual([[12, 12, 20], [4, 4, 50], [500], [10]]);
    expect(shapes('cifar-conv')).toEqual([[16, 16, 32], [8, 8, 64], [4, 4, 64], [128], [10]]);
  });

  it.each(['mnist-conv', 'cifar-conv'])('%s: BP gradients of every block and the input on wasm equal cpu (≤1e-4 relative)', async (preset) => {
    await useBackend('cpu');
    const ref = modelGrads(preset, 6);
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const got = modelGrads(preset, 6);
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((g, i) => expect(relErr(g, ref[i]!), `gradient ${i}`).toBeLessThan(1e-4));
  });

  it('apply(x, [B, b]) runs the block with other weights, and its input gradient uses them (FA)', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const block = conv2dBlock({ inputShape: [10, 10, 2], filters: 3, kernelSize: 3, pool: { type: 'max', size: 2 }, activation: 'relu', seed: 1 });
      const [same, diff, dxW, dxB] = tf.tidy(() => {
        const x = tf.tensor(normals(2 * 200, 1), [2, 200]); // flat input is reshaped to [h, w, c]
        const B = tf.tensor(normals(54, 2), [3, 3, 2, 3]);
        const r = tf.tensor(normals(2 * 4 * 4 * 3, 3), [2, 4, 4, 3]);
        const gx = (w: tf.Tensor) => tf.grad((a) => tf.sum(tf.mul(block.apply(a, [w, block.params[1]!]), r)))(x);
        return [
          tf.max(tf.abs(tf.sub(block.forward(x), block.apply(x, block.params)))).dataSync()[0]!,
          tf.max(tf.abs(tf.sub(block.forward(x), block.apply(x, [B, block.params[1]!])))).dataSync()[0]!,
          gx(block.params[0]!).dataSync(), gx(B).dataSync(),
        ] as const;
      });
      expect(same).toBe(0);
      expect(diff).toBeGreaterThan(0);
      expect(relErr(dxW, dxB)).toBeGreaterThan(0.1);
      block.params.forEach((p) => p.dispose());
    }
  });

  it('rejects a kernel that does not fit its input', () => {
    expect(() => conv2dBlock({ inputShape: [4, 4, 1], filters: 2, kernelSize: 5, seed: 1 })).toThrow(/kernel 5 does not fit input 4×4/);
  });
});
