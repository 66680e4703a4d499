import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dense } from './dense';
import { inject, localGrads, paramGrads } from './local-grads';
import { useBackend } from './test-numerics';
import './register';

// Every shortcut must give exactly the parameter gradients of ⟨block(x), s⟩ differentiated the
// plain way (variableGrads of Σ h⊙s): rules switched to them under a bit-identity guarantee.
function setup() {
  const block = dense({ inputSize: 7, units: 5, activation: 'tanh', seed: 3 });
  const x = tf.randomNormal([4, 7], 0, 1, 'float32', 1);
  const s = tf.randomNormal([4, 5], 0, 1, 'float32', 2);
  return { block, x, s };
}
const read = (block: ReturnType<typeof dense>, grads: tf.NamedTensorMap) => block.params.map((p) => Array.from(grads[p.name]!.dataSync()));
function reference(block: ReturnType<typeof dense>, x: tf.Tensor, s: tf.Tensor) {
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(block.forward(x), s)), block.params as tf.Variable[]);
  const out = read(block, grads);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe.each([['wasm'], ['cpu']] as const)('local gradients on %s', (backend) => {
  it('localGrads with a signal tensor: the same bits as autodiff of ⟨h, s⟩, the block\'s output, no leak', async () => {
    await useBackend(backend);
    const { block, x, s } = setup();
    const ref = reference(block, x, s);
    const before = tf.memory().numTensors;
    const { grads, output } = localGrads(block, x, s);
    expect(read(block, grads)).toEqual(ref);
    const h = block.forward(x);
    expect(Array.from(output.dataSync())).toEqual(Array.from(h.dataSync()));
    tf.dispose([h, output, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, s, ...block.params]);
  });

  it('localGrads with a signal computed from the output: no gradient flows back through it', async () => {
    await useBackend(backend);
    const { block, x, s } = setup();
    // s2 = 2h as a constant: differentiating through the function would add 2h·h′ terms
    const h = block.forward(x);
    const twice = tf.mul(h, 2);
    const ref = reference(block, x, twice);
    const before = tf.memory().numTensors;
    const { grads, output } = localGrads(block, x, (out) => tf.mul(out, 2));
    expect(read(block, grads)).toEqual(ref);
    expect(Array.from(output.dataSync())).toEqual(Array.from(h.dataSync()));
    tf.dispose([output, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([h, twice, x, s, ...block.params]);
  });

  it('inject(h, s) has the gradient of ⟨h, s⟩, bit for bit', async () => {
    await useBackend(backend);
    const { block, x, s } = setup();
    const ref = reference(block, x, s);
    const { value, grads } = tf.variableGrads(() => inject(block.forward(x), s), block.params as tf.Variable[]);
    expect(value.dataSync()[0]).toBe(0);
    expect(read(block, grads)).toEqual(ref);
    tf.dispose([value, x, s, ...Object.values(grads), ...block.params]);
  });

  it('inject([h1, h2], [s1, s2]) seeds each output with its own signal in one op (as ⟨h1, s1⟩ + ⟨h2, s2⟩)', async () => {
    await useBackend(backend);
    const { block, x, s } = setup();
    const second = dense({ inputSize: 5, units: 3, activation: 'tanh', seed: 4 });
    const s2 = tf.randomNormal([4, 3], 0, 1, 'float32', 5);
    const params = [...block.params, ...second.params] as tf.Variable[];
    const both = (objective: (h1: tf.Tensor, h2: tf.Tensor) => tf.Scalar) => {
      const { value, grads } = tf.variableGrads(() => {
        const h1 = block.forward(x);
        return objective(h1, second.forward(h1));
      }, params);
      const out = params.map((p) => Array.from(grads[p.name]!.dataSync()));
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const ref = both((h1, h2) => tf.add(tf.sum(tf.mul(h1, s)), tf.sum(tf.mul(h2, s2))) as tf.Scalar);
    const before = tf.memory().numTensors;
    let ours: number[][] = [];
    const kernels = (await tf.profile(() => void (ours = both((h1, h2) => inject([h1, h2], [s, s2]))))).kernels.map((k) => k.name);
    expect(tf.memory().numTensors).toBe(before);
    ours.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - ref[i]![j]!)).toBeLessThan(1e-5)));
    expect(kernels).not.toContain('AddN');
    expect(() => inject([s], [s, s2])).toThrow(/1 outputs but 2 signals/);
    tf.dispose([x, s, s2, ...params]);
  });

  it('paramGrads leaves out parameters the function does not reach', async () => {
    await useBackend(backend);
    const { block, x, s } = setup();
    const [kernel, bias] = block.params as tf.Variable[];
    const { grads, value } = paramGrads(() => tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), [kernel!, bias!], s);
    expect(Object.keys(grads)).toEqual([kernel!.name]);
    tf.dispose([value, x, s, ...Object.values(grads), ...block.params]);
  });
});
