import * as tf from '@tensorflow/tfjs-core';
import { median } from './stats';

/** Kernel time of one training step, from `tf.profile`, averaged over the profiled steps. */
export interface KernelBreakdown {
  /** Steps profiled. */
  steps: number;
  /** Σ over kernels of each one's median time per step, ms (each kernel synchronised, so a little above a real step's). */
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
  return /MatMul|Conv2D|Conv3D|DepthwiseConv|WinogradFilterGrad/.test(name);
}

/**
 * Collects kernel records step by step. Each kernel's time per step is its median over the
 * steps (one step slowed by another job on the machine does not move it); calls are per step.
 */
export function kernelTally() {
  const perStep: Map<string, { ms: number; calls: number }>[] = [];
  return {
    /** One step's kernel records (`profileKernels`'s, or `tf.profile`'s `kernels`). */
    async add(kernels: Awaited<ReturnType<typeof tf.profile>>['kernels']): Promise<void> {
      const step = new Map<string, { ms: number; calls: number }>();
      for (const k of kernels) {
        const t = await k.kernelTimeMs;
        const e = step.get(k.name) ?? step.set(k.name, { ms: 0, calls: 0 }).get(k.name)!;
        e.ms += typeof t === 'number' ? t : 0;
        e.calls++;
      }
      perStep.push(step);
    },
    result(): KernelBreakdown {
      const names = [...new Set(perStep.flatMap((m) => [...m.keys()]))];
      const byKernel = names.map((kernel) => ({
        kernel,
        ms: median(perStep.map((m) => m.get(kernel)?.ms ?? 0)),
        calls: perStep.reduce((s, m) => s + (m.get(kernel)?.calls ?? 0), 0) / Math.max(1, perStep.length),
      })).sort((a, b) => b.ms - a.ms);
      const sum = (xs: typeof byKernel) => xs.reduce((s, x) => s + x.ms, 0);
      return { steps: perStep.length, totalMs: sum(byKernel), productMs: sum(byKernel.filter((x) => isProductKernel(x.kernel))), byKernel };
    },
  };
}

/** "FblMatMul 4.10, BatchMatMul 3.72, …": the `head` largest kernels of a breakdown. */
export function formatKernels(b: KernelBreakdown, head = 8): string {
  return b.byKernel.slice(0, head).map((k) => `${k.kernel} ${k.ms.toFixed(2)}`).join(', ');
}
