import * as tf from '@tensorflow/tfjs-core';
import { relaxedSimdSupported, wasmGemmVariant } from '@feedback-lab/wasm-gemm';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { linear, matMulWithFeedback } from './linear';
import './register';

/** ∂/∂(x, W, b, …) of Σ dy ⊙ f(x, W), and the kernels the step ran. */
async function step(f: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor) {
  let grads: number[][] = [];
  const info = await tf.profile(() => {
    grads = tf.tidy(() => {
      const x = tf.variable(tf.randomNormal([64, 96], 0, 1, 'float32', 1));
      const w = tf.variable(tf.randomNormal([96, 40], 0, 1, 'float32', 2));
      const b = tf.variable(tf.randomNormal([40], 0, 1, 'float32', 3));
      const dy = tf.randomNormal([64, 40], 0, 1, 'float32', 4);
      const { grads: g } = tf.variableGrads(() => tf.sum(tf.mul(f(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), dy)) as tf.Scalar, [x, w, b]);
      const out = [x, w, b].map((v) => Array.from(g[v.name]!.dataSync()));
      [x, w, b].forEach((v) => v.dispose());
      return out;
    });
    return [];
  });
  return { grads, kernels: info.kernels.map((k) => k.name) };
}

describe('selectBackend(wasm) with @feedback-lab/wasm-gemm', () => {
  afterAll(() => selectBackend('wasm', { gemm: false }));

  it('installs the kernel by default, and FBL_WASM_GEMM=0 or gemm: false leaves XNNPACK', async () => {
    const on = await selectBackend('wasm', { strict: true });
    expect(on.gemm).toBe(relaxedSimdSupported() ? 'relaxed' : 'simd');
    expect(wasmGemmVariant()).toBe(on.gemm);
    process.env.FBL_WASM_GEMM = '0';
    try {
      expect((await selectBackend('wasm', { strict: true })).gemm).toBeUndefined();
    } finally {
      delete process.env.FBL_WASM_GEMM;
    }
    expect(wasmGemmVariant()).toBeUndefined();
    expect((await selectBackend('wasm', { strict: true, gemm: false })).gemm).toBeUndefined();
  });

  it('linear and the feedback product: same gradients as on XNNPACK, with no transposes left', async () => {
    const withFeedback = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.add(matMulWithFeedback(x, w, () => tf.mul(w, 0.5) as tf.Tensor2D), b);
    for (const f of [linear, withFeedback]) {
      await selectBackend('wasm', { gemm: false });
      const stock = await step(f);
      expect(stock.kernels).toContain('Transpose');
      await selectBackend('wasm');
      const before = tf.memory().numTensors;
      const ours = await step(f);
      expect(tf.memory().numTensors).toBe(before);
      expect(ours.kernels).not.toContain('Transpose');
      ours.grads.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - stock.grads[i]![j]!)).toBeLessThan(1e-4)));
    }
  });
});
