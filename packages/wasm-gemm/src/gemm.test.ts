import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installWasmGemm, relaxedSimdSupported, TRANSPOSES_IN_PLACE, uninstallWasmGemm, wasmGemmVariant } from './index';
import { productErrors, SHAPES, TANH_SIZES } from './products.fixture';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
/** float32 rounding of a K-term sum of products of values in [-1, 1], scaled by √K; tanh's fit is within 3.4e-7 */
const TOL = 2e-6;

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});
afterEach(() => uninstallWasmGemm());

function expectAccurate(worst: [string, number][]) {
  expect(worst).toHaveLength(SHAPES.length * 4 + TANH_SIZES.length * 4);
  for (const [name, err] of worst) expect({ name, err: err < TOL ? 'ok' : err }).toEqual({ name, err: 'ok' });
}

describe('wasm-gemm products', () => {
  it('mul+add kernel: every transpose case and edge shape matches a float64 reference (and tanh, sign, the gradients of tanh and relu)', async () => {
    expectAccurate(await productErrors('simd'));
  });

  it('relaxed-SIMD (FMA) kernel: the same, in this engine or under --experimental-wasm-relaxed-simd', async () => {
    if (relaxedSimdSupported()) {
      expectAccurate(await productErrors('relaxed'));
      return;
    }
    console.log(`notice: Node ${process.versions.node} has no relaxed SIMD by default; checking it in a child process with --experimental-wasm-relaxed-simd`);
    const { stdout } = await run(process.execPath, ['--experimental-wasm-relaxed-simd', '--conditions=@feedback-lab/source', '--import', 'tsx',
      join(here, 'products.fixture.ts'), '--print', 'relaxed'], { cwd: here, maxBuffer: 1 << 24 });
    const got = JSON.parse(stdout.trim().split('\n').pop()!) as { variant: string; worst: [string, number][] };
    expect(got.variant).toBe('relaxed');
    expectAccurate(got.worst);
  }, 120_000);

  it('installs over the stock kernel, marks it, and puts the stock one back', () => {
    const stock = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    const v = installWasmGemm();
    expect(v).toBe(relaxedSimdSupported() ? 'relaxed' : 'simd');
    expect(wasmGemmVariant()).toBe(v);
    const ours = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc as unknown as Record<string, unknown>;
    expect(ours[TRANSPOSES_IN_PLACE]).toBe(true);
    expect(installWasmGemm({ variant: 'simd' })).toBe('simd');
    uninstallWasmGemm();
    expect(wasmGemmVariant()).toBeUndefined();
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(stock);
  });

  it('leaves batched and int32 products to the stock kernel, and gradients agree with it', () => {
    const a = tf.randomUniform([2, 5, 7], -1, 1, 'float32', 3);
    const b = tf.randomUniform([2, 7, 4], -1, 1, 'float32', 4);
    const x = tf.randomUniform([6, 9], -1, 1, 'float32', 5);
    const w = tf.randomUniform([9, 3], -1, 1, 'float32', 6);
    const grads = () => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q))))([x, w]);
    const before = tf.memory().numTensors;
    const stockBatch = tf.matMul(a, b);
    const stockGrads = grads();
    installWasmGemm({ variant: 'simd' });
    const oursBatch = tf.matMul(a, b);
    expect(Array.from(oursBatch.dataSync())).toEqual(Array.from(stockBatch.dataSync()));
    const oursGrads = grads();
    oursGrads.forEach((g, i) => {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(g, stockGrads[i]!))).dataSync()[0]!);
      expect(d).toBeLessThan(1e-5);
    });
    tf.dispose([stockBatch, oursBatch, ...stockGrads, ...oursGrads]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, x, w]);
    // the stock kernel's own answer to int32 (it has no int32 product)
    const [p, q] = [tf.tensor2d([[1, 2]], [1, 2], 'int32'), tf.tensor2d([[3], [4]], [2, 1], 'int32')];
    expect(() => tf.matMul(p, q)).toThrow(/BatchMatMul for non non-float32 tensors not yet supported/);
    tf.dispose([p, q]);
  });

  it('the committed .wasm files and embedded kernels are a fresh build of scripts/kernel-wat.mjs', async () => {
    const { stdout } = await run(process.execPath, [join(here, '..', 'scripts', 'build-wasm.mjs'), '--check']);
    expect(stdout).toMatch(/^checked 5 files/);
  }, 60_000);
});
