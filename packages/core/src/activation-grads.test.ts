import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activationGrad, type GradActivation } from './activation-grads';
import { selectBackend } from './backend';
import './register';

// The stock ops each kernel replaces, on the same backend.
const STOCK: Record<GradActivation, (dy: tf.Tensor, y: tf.Tensor) => tf.Tensor> = {
  relu: (dy, y) => tf.mul(dy, tf.step(y)),
  tanh: (dy, y) => tf.mul(dy, tf.sub(1, tf.square(y))),
  sigmoid: (dy, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y))),
};
const OUTPUT: Record<GradActivation, (a: tf.Tensor) => tf.Tensor> = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid };
const bits = (t: tf.Tensor) => Array.from(new Uint32Array(t.dataSync().slice().buffer));

describe('activationGrad', () => {
  it.each([
    ['wasm', true],
    ['wasm', false],
    ['cpu', false],
  ] as const)('equals the stock ops bit for bit on %s (wasm-gemm %s), one kernel, one tensor made', async (backend, gemm) => {
    await selectBackend(backend, { strict: true, gemm });
    for (const a of ['relu', 'tanh', 'sigmoid'] as const) {
      // 3 elements (below a vector), a partial last vector, a layer's worth
      for (const shape of [[3], [5, 7], [64, 130]]) {
        const [y, dy] = tf.tidy(() => [OUTPUT[a](tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 3), 3)), tf.randomNormal(shape, 0, 1, 'float32', 4)]);
        const want = tf.tidy(() => STOCK[a](dy!, y!));
        const before = tf.memory().numTensors;
        let got: tf.Tensor | null = null;
        const { kernels } = await tf.profile(() => void (got = activationGrad(a, dy!, y!)));
        expect(tf.memory().numTensors).toBe(before + 1);
        expect(kernels.map((k) => k.name)).toEqual([`Fbl${a[0]!.toUpperCase()}${a.slice(1)}Grad`]);
        expect({ a, shape, bits: bits(got!) }).toEqual({ a, shape, bits: bits(want) });
        tf.dispose([y!, dy!, want, got!]);
      }
    }
  });

  it('declines what its kernels do not take: other dtypes and shapes', async () => {
    await selectBackend('wasm', { strict: true });
    const [y, dy] = [tf.ones([4, 2]), tf.ones([8])];
    expect(activationGrad('relu', dy, y)).toBeNull();
    const i = tf.ones([4, 2], 'int32');
    expect(activationGrad('tanh', i, y)).toBeNull();
    tf.dispose([y, dy, i]);
  });
});
