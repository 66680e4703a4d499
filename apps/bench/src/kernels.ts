import * as tf from '@tensorflow/tfjs-core';

/** Kernel time of one training step, from `tf.profile`, averaged over the profiled steps. */
export interface KernelBreakdown {
  /** Steps profiled. */
  steps: number;
  /** Σ kernel time per step, ms (each kernel synchronised, so a little above a real step's). */
  totalMs: number;
  /** The part spent in matrix products and convolutions (see `isProductKernel`), ms per step. */
  productMs: number;
  /** Kernels by time per step, largest first (all of them; callers print the head). */
  byKernel: { kernel: string; ms: number; calls: number }[];
}

/**
 * Whether a kernel is a matrix product or a convolution: tfjs's own (BatchMatMul, _FusedMatMul,
 * Conv2D, FusedConv2D, Conv2DBackpropInput/Filter, DepthwiseConv2dNative, Conv3D) and core's
 * (FblMatMul*, FblConv2D*). core's wasm FblMatMul runs its operand transposes inside the kernel,
 * so they count as product time here.
 */
export function isProductKernel(name: string): boolean {
  return /MatMul|Conv2D|Conv3D|DepthwiseConv/.test(name);
}

/** Adds up kernel records step by step. */
export function kernelTally() {
  const ms = new Map<string, number>();
  const calls = new Map<string, number>();
  let steps = 0;
  return {
    async add(info: Awaited<ReturnType<typeof tf.profile>>): Promise<void> {
      steps++;
      for (const k of info.kernels) {
        const t = await k.kernelTimeMs;
        ms.set(k.name, (ms.get(k.name) ?? 0) + (typeof t === 'number' ? t : 0));
        calls.set(k.name, (calls.get(k.name) ?? 0) + 1);
      }
    },
    result(): KernelBreakdown {
      const n = Math.max(1, steps);
      const byKernel = [...ms].map(([kernel, t]) => ({ kernel, ms: t / n, calls: calls.get(kernel)! / n })).sort((a, b) => b.ms - a.ms);
      const sum = (xs: typeof byKernel) => xs.reduce((s, x) => s + x.ms, 0);
      return { steps, totalMs: sum(byKernel), productMs: sum(byKernel.filter((x) => isProductKernel(x.kernel))), byKernel };
    },
  };
}

/** "FblMatMul 4.10, BatchMatMul 3.72, …": the `head` largest kernels of a breakdown. */
export function formatKernels(b: KernelBreakdown, head = 8): string {
  return b.byKernel.slice(0, head).map((k) => `${k.kernel} ${k.ms.toFixed(2)}`).join(', ');
}
