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

  it('paramGrads leaves out parameters the function does not reach', async () => {
    await useBackend(backend);
    const { block, x, s } = setup();
    const [kernel, bias] = block.params as tf.Variable[];
    const { grads, value } = paramGrads(() => tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), [kernel!, bias!], s);
    expect(Object.keys(grads)).toEqual([kernel!.name]);
    tf.dispose([value, x, s, ...Object.values(grads), ...block.params]);
  });
});
