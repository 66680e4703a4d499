import { describe, expect, it } from 'vitest';
import { formatKernels, isProductKernel, kernelTally } from './kernels';

type Info = Parameters<ReturnType<typeof kernelTally>['add']>[0];
const step = (...ks: [string, number][]) => ks.map(([name, t]) => ({ name, kernelTimeMs: Promise.resolve(t) })) as unknown as Info;

describe('kernelTally', () => {
  it('takes each kernel\'s median time per step, so one disturbed step does not move it', async () => {
    const t = kernelTally();
    await t.add(step(['FblMatMul', 2], ['FblMatMul', 2], ['Add', 1]));
    await t.add(step(['FblMatMul', 40], ['FblMatMul', 40], ['Add', 9])); // another job ran meanwhile
    await t.add(step(['FblMatMul', 2.5], ['FblMatMul', 2.5], ['Add', 1], ['Conv2D', 3]));
    const r = t.result();
    expect(r.steps).toBe(3);
    expect(r.byKernel).toEqual([
      { kernel: 'FblMatMul', ms: 5, calls: 2 },
      { kernel: 'Add', ms: 1, calls: 1 },
      { kernel: 'Conv2D', ms: 0, calls: 1 / 3 }, // absent from two of the three steps
    ]);
    expect(r.productMs).toBe(5);
    expect(r.totalMs).toBe(6);
    expect(formatKernels(r, 2)).toBe('FblMatMul 5.00, Add 1.00');
  });

  it('counts tfjs\'s and core\'s products and convolutions as products, nothing else', () => {
    for (const k of ['BatchMatMul', '_FusedMatMul', 'FblMatMul', 'FblMatMulLazyFeedback', 'Conv2D', 'FblConv2DFeedback', 'Conv2DBackpropInput', 'DepthwiseConv2dNative']) {
      expect(isProductKernel(k)).toBe(true);
    }
    for (const k of ['Transpose', 'FblMaxPoolGrad', 'FblFlipFilter', 'Add', 'FblChannelSum']) expect(isProductKernel(k)).toBe(false);
  });
});
