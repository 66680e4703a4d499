import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dense } from '@feedback-lab/core';
import { NODE_BACKENDS, maxAbsDiff, useBackend } from '@feedback-lab/test-utils';
import { inject } from './inject';
import { localGrads } from './signal';

// Both shortcuts must give the parameter gradients of ⟨block(x), s⟩, computed the plain way
// with tfjs autodiff on the stock cpu backend.
type Grads = Float32Array[];
function setup() {
  const block = dense({ inputSize: 7, units: 5, activation: 'tanh', seed: 3 });
  const x = tf.randomNormal([4, 7], 0, 1, 'float32', 1);
  const s = tf.randomNormal([4, 5], 0, 1, 'float32', 2);
  return { block, x, s };
}
function read(block: ReturnType<typeof dense>, grads: tf.NamedTensorMap): Grads {
  return block.params.map((p) => grads[p.name]!.dataSync() as Float32Array);
}
function reference(): Grads {
  const { block, x, s } = setup();
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(block.forward(x), s)), block.params as tf.Variable[]);
  const out = read(block, grads);
  tf.dispose([value, x, s, ...Object.values(grads), ...block.params]);
  return out;
}

describe.each(NODE_BACKENDS.map((b) => [b]))('DFA local gradients on %s', (backend) => {
  it('localGrads (signal as dy) matches autodiff of ⟨h, s⟩ on cpu, and leaks nothing', async () => {
    await useBackend('cpu');
    const ref = reference();
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const { block, x, s } = setup();
    const { grads, output } = localGrads(block, x, s);
    const got = read(block, grads);
    const h = block.forward(x);
    expect(maxAbsDiff(output.dataSync() as Float32Array, h.dataSync() as Float32Array)).toBe(0);
    got.forEach((g, i) => expect(maxAbsDiff(g, ref[i]!)).toBeLessThan(1e-5));
    tf.dispose([h, output, x, s, ...Object.values(grads), ...block.params]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('inject(h, s) has the gradient of ⟨h, s⟩ with respect to the block', async () => {
    await useBackend('cpu');
    const ref = reference();
    await useBackend(backend);
    const { block, x, s } = setup();
    const { value, grads } = tf.variableGrads(() => inject(block.forward(x), s), block.params as tf.Variable[]);
    expect(value.dataSync()[0]).toBe(0);
    read(block, grads).forEach((g, i) => expect(maxAbsDiff(g, ref[i]!)).toBeLessThan(1e-5));
    tf.dispose([value, x, s, ...Object.values(grads), ...block.params]);
  });
});
