import * as tf from '@tensorflow/tfjs-core';

type KernelInfo = Awaited<ReturnType<typeof tf.profile>>['kernels'][number];

/**
 * `tf.profile` of a step (synchronous, or async as a trainer's step that reads its loss back),
 * safe on long steps: tfjs spreads every kernel record into `Math.max(...)` for its peak, a
 * RangeError (stack overflow) beyond about 10⁵ kernels, i.e. a step of 1 000–2 000 batch-norm
 * blocks. The records are taken out before tfjs does that (its peak is not used: the buffer
 * meter's is the one that counts aliases once) and settled here.
 */
export async function profileKernels(run: () => void | Promise<unknown>): Promise<{ kernels: KernelInfo[]; newTensors: number }> {
  let kernels: KernelInfo[] = [];
  const info = await tf.profile(async () => {
    await run();
    const profile = (tf.engine().state as unknown as { activeProfile: { kernels: KernelInfo[] } }).activeProfile;
    kernels = profile.kernels;
    profile.kernels = [];
    return [];
  });
  for (const k of kernels) {
    k.kernelTimeMs = await k.kernelTimeMs;
    k.extraInfo = await k.extraInfo;
  }
  return { kernels, newTensors: info.newTensors };
}
