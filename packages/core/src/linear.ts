import * as tf from '@tensorflow/tfjs-core';
import { TRANSPOSES_IN_PLACE } from '@feedback-lab/wasm-gemm';
import { biasAdd, consumeGrad, passGrad, releaseSaved, sharingSaves } from './tape-memory';

/**
 * Matrix product arranged for the wasm backend's fast path, with a gradient that stays on it.
 *
 * wasm's BatchMatMul uses XNNPACK only for untransposed 2-D operands; anything with
 * transposeA/transposeB falls back to a naive loop (~1 GFLOP/s instead of ~18; see
 * docs/tfjs-facts.md, "Matrix products on wasm"). XNNPACK also *packs* its right operand B into its own
 * layout, cached per tensor id. During training the weights are a new tensor every step, so
 * `x·W` repacks the whole [in, out] weight matrix on every call, which measured 1.5–3× the cost
 * of the product itself at batch 64. So on wasm every product here puts the big matrix on the
 * left and only a batch-sized matrix on the right:
 *   forward      x·W   = (Wᵀ·xᵀ)ᵀ      (one transpose of W: a plain memory pass, no packing)
 *   ∂L/∂x        dy·Wᵀ = (W·dyᵀ)ᵀ      (no pass over W at all)
 *   ∂L/∂W        xᵀ·dy                 (dy is small)
 * The gradients are lazy per input, so the first layer never computes the unused ∂L/∂x. Other
 * backends run the plain products. The stock BatchMatMul gradient is left alone, so code outside
 * feedback-lab (tfjs-layers) is unaffected.
 */
const KERNEL = 'FblMatMul';
const NO_TRANSPOSE = { transposeA: false, transposeB: false };

/**
 * Whether the backend's BatchMatMul reads transposed operands in place at full speed: wasm with
 * @feedback-lab/wasm-gemm installed (selectBackend does). Then every product here is one plain
 * call with transpose flags, and none of the rearranging below is needed.
 */
function transposesInPlace(): boolean {
  const k = tf.getKernel('BatchMatMul', tf.getBackend());
  return (k?.kernelFunc as unknown as Record<string, unknown> | undefined)?.[TRANSPOSES_IN_PLACE] === true;
}

/** Whether the backend packs B per tensor, so products should keep batch-sized right operands. */
function prefersSmallRight(): boolean {
  return tf.getBackend() === 'wasm' && !transposesInPlace();
}

/**
 * ∂L/∂a = dy·backᵀ and ∂L/∂b = aᵀ·dy, where `back` is b itself, the feedback in its place, or a
 * function making that feedback when the closure runs (then disposed right after use).
 */
function productGrads(dy: tf.Tensor | tf.Tensor[], a: tf.Tensor2D, back: tf.Tensor2D | (() => tf.Tensor2D)) {
  consumeGrad(dy);
  const g = dy as tf.Tensor2D;
  return {
    a: () => {
      const m = typeof back === 'function' ? back() : back;
      const dx = transposesInPlace() ? tf.matMul(g, m, false, true) : prefersSmallRight() ? tf.transpose(tf.matMul(m, tf.transpose(g))) : tf.matMul(g, tf.transpose(m));
      if (m !== back) m.dispose();
      return passGrad(dx);
    },
    b: () => release(transposesInPlace() ? tf.matMul(a, g, true, false) : tf.matMul(tf.transpose(a), g), a),
  };
}

tf.registerGradient({
  kernelName: KERNEL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => productGrads(dy, saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D),
});

/** Returns `result` after releasing `saved` (the last of its gradient closures to need it). */
function release<T>(result: T, ...saved: tf.Tensor[]): T {
  releaseSaved(...saved);
  return result;
}

/**
 * The same product whose input gradient goes through a third operand `f` (same shape as b)
 * instead of b: ∂L/∂a = dy·fᵀ, ∂L/∂b = aᵀ·dy. This is feedback alignment's backward pass for a
 * linear map (Lillicrap et al. 2016), so FA can train on one forward tape like BP instead of
 * recomputing each block's product for its local gradients.
 */
const FEEDBACK_KERNEL = 'FblMatMulFeedback';

tf.registerGradient({
  kernelName: FEEDBACK_KERNEL,
  inputsToSave: ['a', 'f'],
  gradFunc: (dy, saved) => ({
    ...productGrads(dy, saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D),
    f: () => tf.zerosLike(saved[1]!), // fixed feedback: never trained
  }),
});

/**
 * The same, with the feedback made only when the gradient needs it (`feedback` attribute: a
 * function returning a fresh tensor, disposed right after use), so a regenerated B is alive for
 * its own block's input gradient only, not for the whole step.
 */
const LAZY_FEEDBACK_KERNEL = 'FblMatMulLazyFeedback';

tf.registerGradient({
  kernelName: LAZY_FEEDBACK_KERNEL,
  inputsToSave: ['a'],
  gradFunc: (dy, saved, attrs) => productGrads(dy, saved[0] as tf.Tensor2D, (attrs as unknown as { feedback: () => tf.Tensor2D }).feedback),
});

type KernelArgs = Parameters<tf.KernelFunc>[0];

function ensureKernel(backendName: string): void {
  if (tf.getKernel(KERNEL, backendName)) return;
  const base = tf.getKernel('BatchMatMul', backendName);
  const transpose = tf.getKernel('Transpose', backendName);
  if (!base || !transpose) throw new Error(`backend ${backendName} has no BatchMatMul/Transpose kernel`);
  const kernelFunc =
    backendName === 'wasm'
      ? (args: KernelArgs) => {
          if (transposesInPlace()) return tf.getKernel('BatchMatMul', backendName)!.kernelFunc(args) as tf.TensorInfo;
          // Backend kernels called directly: their intermediate outputs are ours to free.
          const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
          const backend = args.backend as tf.KernelBackend;
          const t = (x: tf.TensorInfo) => transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm: [1, 0] } }) as tf.TensorInfo;
          const bT = t(b);
          const aT = t(a);
          const yT = base.kernelFunc({ inputs: { a: bT, b: aT }, backend, attrs: NO_TRANSPOSE }) as tf.TensorInfo;
          const y = t({ ...yT, shape: [b.shape[1]!, a.shape[0]!] });
          for (const tmp of [bT, aT, yT]) backend.disposeData(tmp.dataId);
          return y;
        }
      : base.kernelFunc;
  tf.registerKernel({ kernelName: KERNEL, backendName, kernelFunc, setupFunc: base.setupFunc });
  // same forward; the extra input f only matters to the gradient
  tf.registerKernel({ kernelName: FEEDBACK_KERNEL, backendName, kernelFunc, setupFunc: base.setupFunc });
  tf.registerKernel({ kernelName: LAZY_FEEDBACK_KERNEL, backendName, kernelFunc, setupFunc: base.setupFunc });
}

/** a·b for 2-D tensors, with the fast explicit-transpose gradient. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  ensureKernel(tf.getBackend());
  return sharingSaves(() => tf.engine().runKernel(KERNEL, { a, b } as unknown as tf.NamedTensorMap, NO_TRANSPOSE) as tf.Tensor2D);
}

/**
 * a·b whose gradient with respect to a goes through `f` in place of b (see FEEDBACK_KERNEL); `f`
 * may be a function that makes it when the gradient runs (disposed after use).
 */
export function matMulWithFeedback(a: tf.Tensor2D, b: tf.Tensor2D, f: tf.Tensor2D | (() => tf.Tensor2D)): tf.Tensor2D {
  ensureKernel(tf.getBackend());
  if (typeof f === 'function') {
    return sharingSaves(() => tf.engine().runKernel(LAZY_FEEDBACK_KERNEL, { a, b } as unknown as tf.NamedTensorMap, { ...NO_TRANSPOSE, feedback: f } as unknown as tf.NamedAttrMap) as tf.Tensor2D);
  }
  return sharingSaves(() => tf.engine().runKernel(FEEDBACK_KERNEL, { a, b, f } as unknown as tf.NamedTensorMap, NO_TRANSPOSE) as tf.Tensor2D);
}

/** x·W + b, the dense layer's affine map; with `feedback`, ∂L/∂x goes through it instead of W. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, feedback?: tf.Tensor2D | (() => tf.Tensor2D)): tf.Tensor2D {
  return biasAdd(feedback ? matMulWithFeedback(x, w, feedback) : matMul(x, w), b);
}
