import * as tfjs from '@tensorflow/tfjs';
import { addGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Add_grad';
import { batchMatMulGradConfig } from '@tensorflow/tfjs-core/dist/gradients/BatchMatMul_grad';
import { identityGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Identity_grad';
import { sigmoidGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Sigmoid_grad';
import { tanhGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Tanh_grad';
import { transposeGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Transpose_grad';
import { describe, expect, it } from 'vitest';

// Captured before feedback-lab is imported: the peer must run on tfjs's own kernels and gradients.
const NAMES = ['BatchMatMul', '_FusedMatMul', 'Tanh', 'Sigmoid', 'Add', 'Transpose', 'Identity'];
const gradientsBefore = NAMES.map((n) => tfjs.getGradient(n));
// core registers tfjs-core's own register_all_gradients (the union package is not its
// dependency), so a stock gradient may be re-registered from those files: still tfjs's own.
const STOCK: Record<string, unknown> = {
  BatchMatMul: batchMatMulGradConfig, Tanh: tanhGradConfig, Sigmoid: sigmoidGradConfig, Add: addGradConfig,
  Transpose: transposeGradConfig, Identity: identityGradConfig,
};

describe('tfjs-layers peer', () => {
  it('runs on stock tfjs: feedback-lab replaces no gradient and no wasm kernel', async () => {
    const core = await import('@feedback-lab/core');
    await core.selectBackend('wasm', { strict: true });
    const kernelsBefore = NAMES.map((n) => tfjs.getKernel(n, 'wasm')?.kernelFunc);
    // exercise feedback-lab's own ops so that anything registered lazily is registered
    const model = core.mlp({ arch: [6, 5, 3], activation: 'tanh', seed: 1 });
    const x = tfjs.ones([2, 6]);
    const { value, grads } = tfjs.variableGrads(() => tfjs.sum(model.forward(x)) as tfjs.Scalar, model.blocks.flatMap((b) => b.params));
    tfjs.dispose([x, value, ...Object.values(grads)]);
    model.dispose();
    NAMES.forEach((n, i) => expect([gradientsBefore[i], STOCK[n]]).toContain(tfjs.getGradient(n)));
    NAMES.forEach((n, i) => expect(tfjs.getKernel(n, 'wasm')?.kernelFunc).toBe(kernelsBefore[i]));
  });

  it('trains: the loss falls on a separable task', async () => {
    const { blobs } = await import('@feedback-lab/datasets');
    const { layersRunner } = await import('./layers-peer');
    const runner = layersRunner({ arch: [8, 16, 4], activation: 'tanh', optimizer: 'momentum', lr: 0.05, seed: 1 });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 5; epoch++) {
      for await (const b of blobs({ seed: 2 }).batches({ split: 'train', batchSize: 32, shuffle: true, seed: epoch })) {
        losses.push(await runner.step(b));
        tfjs.dispose([b.x, b.y]);
      }
    }
    runner.dispose();
    expect(losses.slice(-3).reduce((a, b) => a + b) / 3).toBeLessThan(0.5 * losses[0]!);
  });
});
