import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activate, type ActivationName } from './activations';
import { selectBackend } from './backend';
import { dense } from './dense';
import { mlp } from './model';
import { biasAdd, sharingSaves } from './tape-memory';
import './register';

const ACTIVATION_BYTES = 64 * 32 * 4; // batch 64, width 32

/** Live bytes the wasm backend has malloc'ed for tensors, with the high-water mark since `reset`. */
function mallocTracker() {
  const wasm = (tf.backend() as unknown as { wasm: { _malloc(n: number): number; _free(p: number): void } }).wasm;
  wasm._free(wasm._malloc(16)); // emscripten's export stubs replace themselves on first call
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  const malloc = wasm._malloc;
  const free = wasm._free;
  wasm._malloc = (n) => {
    const p = malloc(n);
    sizes.set(p, n);
    live += n;
    peak = Math.max(peak, live);
    return p;
  };
  wasm._free = (p) => {
    live -= sizes.get(p) ?? 0;
    sizes.delete(p);
    free(p);
  };
  return {
    reset: () => (peak = live),
    peakAbove: (base: number) => peak - base,
    live: () => live,
    restore: () => Object.assign(wasm, { _malloc: malloc, _free: free }),
  };
}

/** Peak bytes above the resting state during one backprop gradient of an L-hidden-layer tanh MLP. */
function bpPeak(layers: number, track: ReturnType<typeof mallocTracker>): number {
  const model = mlp({ arch: [32, ...Array<number>(layers).fill(32), 10], activation: 'tanh', seed: 3 });
  const x = tf.randomNormal([64, 32], 0, 1, 'float32', 1);
  const base = track.live();
  track.reset();
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.forward(x))), model.blocks.flatMap((b) => b.params) as tf.Variable[]);
  const peak = track.peakAbove(base);
  tf.dispose([value, x, ...Object.values(grads)]);
  model.dispose();
  return peak;
}

describe('tape memory (wasm)', () => {
  it('keeps about one activation per layer alive in a backprop gradient, and leaks nothing', async () => {
    await selectBackend('wasm', { strict: true });
    const before = tf.memory().numTensors;
    const track = mallocTracker();
    try {
      const perLayer = (bpPeak(10, track) - bpPeak(2, track)) / 8;
      // one activation, plus the layer's weights and their gradient (2·32·33 floats ≈ 0.26 activation)
      expect(perLayer).toBeLessThan(1.5 * ACTIVATION_BYTES);
      expect(perLayer).toBeGreaterThan(0.9 * ACTIVATION_BYTES); // the activation itself is kept
    } finally {
      track.restore();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saves tensors as aliases: a clone allocates nothing and outlives its source', async () => {
    await selectBackend('wasm', { strict: true });
    const a = tf.tensor1d([1, 2, 3]);
    const buffers = tf.memory().numDataBuffers;
    const c = sharingSaves(() => a.clone());
    expect(tf.memory().numDataBuffers).toBe(buffers);
    const copy = a.clone(); // outside, wasm's stock Identity copies
    expect(tf.memory().numDataBuffers).toBe(buffers + 1);
    copy.dispose();
    a.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    c.dispose();
  });
});

/** Value and input gradients of f at fixed inputs, for comparison across backends. */
function valueAndGrads(f: (xs: tf.Tensor[]) => tf.Tensor, shapes: number[][]): number[][] {
  return tf.tidy(() => {
    const xs = shapes.map((s, i) => tf.mul(tf.randomNormal(s, 0, 1, 'float32', 10 + i), 2));
    const dy = tf.randomNormal(f(xs).shape, 0, 1, 'float32', 9);
    const g = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(args), dy)))(xs);
    return [Array.from(f(xs).dataSync()), ...g.map((t) => Array.from(t.dataSync()))];
  });
}

describe.each(['wasm', 'cpu'] as const)('gradients from outputs (%s)', (backend) => {
  const cases: [string, (xs: tf.Tensor[]) => tf.Tensor, (xs: tf.Tensor[]) => tf.Tensor, number[][]][] = [
    ...(['relu', 'sigmoid', 'tanh'] as ActivationName[]).map((name) => [
      name,
      ([a]: tf.Tensor[]) => activate(a!, name),
      ([a]: tf.Tensor[]) => (name === 'relu' ? tf.relu(a!) : name === 'sigmoid' ? tf.sigmoid(a!) : tf.tanh(a!)),
      [[7, 13]],
    ] as [string, (xs: tf.Tensor[]) => tf.Tensor, (xs: tf.Tensor[]) => tf.Tensor, number[][]]),
    ['biasAdd rank 2', ([a, b]) => biasAdd(a!, b as tf.Tensor1D), ([a, b]) => tf.add(a!, b!), [[5, 6], [6]]],
    ['biasAdd rank 4', ([a, b]) => biasAdd(a!, b as tf.Tensor1D), ([a, b]) => tf.add(a!, b!), [[2, 3, 4, 5], [5]]],
  ];
  it.each(cases)('%s matches the stock op on cpu', async (_name, ours, stock, shapes) => {
    await selectBackend('cpu', { strict: true });
    const ref = valueAndGrads(stock, shapes);
    await selectBackend(backend, { strict: true });
    const before = tf.memory().numTensors;
    const got = valueAndGrads(ours, shapes);
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((arr, k) => arr.forEach((v, i) => expect(Math.abs(v - ref[k]![i]!)).toBeLessThan(1e-5)));
  });

  it("never frees the caller's seed, nor a gradient that seeds a second pass", async () => {
    await selectBackend(backend, { strict: true });
    const block = dense({ inputSize: 6, units: 5, activation: 'tanh', seed: 2 });
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 3);
    const seed = tf.ones([4, 5]);
    // first pass: ∂/∂pre of the activation, seeded by the caller
    const pre = block.preActivation!(x, block.params);
    const delta = tf.grad((a: tf.Tensor) => block.postActivation!(a))(pre, seed);
    // second pass seeded by the first one's result (FA's per-block path does this)
    const dx = tf.grad((h: tf.Tensor) => block.preActivation!(h, block.params))(x, delta);
    expect(seed.isDisposed || delta.isDisposed).toBe(false);
    expect(dx.shape).toEqual([4, 6]);
    expect(Number.isFinite(tf.sum(delta).dataSync()[0]!)).toBe(true);
    tf.dispose([x, seed, pre, delta, dx, ...block.params]);
  });
});
