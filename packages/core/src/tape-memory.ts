import * as tf from '@tensorflow/tfjs-core';
import { registerHeapKernel, runAliasKernel } from './kernel-alias';

/**
 * What the gradient tape keeps alive, made close to what the derivatives need.
 *
 * tfjs saves a tensor for the backward pass with `engine.clone`, which runs the backend's
 * Identity kernel. The cpu backend's Identity shares the data (a reference count); the wasm
 * backend's copies it. So every saved input or output was a second full copy of an activation
 * already alive as the next op's input: a dense tanh layer kept 4–5 activation-sized buffers.
 * {@link sharingSaves} runs feedback-lab's own ops with a sharing Identity on wasm (tensors are
 * immutable in tfjs, and wasm's own Reshape shares data the same way), so a saved alias costs
 * nothing. Only while they run: the registered kernel is the stock one again afterwards, so other
 * tfjs code (the tfjs-layers peer of the speed benchmark) runs as shipped.
 *
 * The engine also frees nothing until the whole backward pass ends: saved tensors and every
 * intermediate gradient stay alive to the end. {@link releaseSaved} lets a gradient free what it
 * saved as soon as it has used it, as PyTorch does; the engine's own dispose at the end is then a
 * no-op. {@link passGrad} and {@link consumeGrad} do the same for intermediate gradients: the
 * gradient an op of ours hands to the op before it is freed once that op's gradient has run.
 * Both act only outside higher-order gradients, where the tape is reused.
 */
export function sharingSaves<T>(f: () => T): T {
  const kernel = depth === 0 && tf.getBackend() === 'wasm' ? tf.getKernel('Identity', 'wasm') : undefined;
  const stock = kernel?.kernelFunc;
  if (kernel && stock) (kernel as { kernelFunc: tf.KernelFunc }).kernelFunc = sharingIdentity(stock);
  depth++;
  try {
    return f();
  } finally {
    depth--;
    if (kernel && stock) (kernel as { kernelFunc: tf.KernelFunc }).kernelFunc = stock;
  }
}

let depth = 0;

function sharingIdentity(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    if (x.dtype === 'string') return stock(args);
    (args.backend as tf.KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

function tapeReused(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/** Disposes tensors a gradient saved and has finished with, unless the tape will be reused. */
export function releaseSaved(...tensors: tf.Tensor[]): void {
  if (tapeReused()) return;
  for (const t of tensors) t.dispose();
}

// Intermediate gradients made by our ops' gradients, with the tape of the backward pass that
// made them. Each is the gradient of one op's output and is read by that op's gradient only
// (the engine sums a tensor with several consumers into a new, unmarked tensor); the engine would
// keep all of them until the backward pass ends. One can also leave its pass as a result (the
// gradient of an input) and seed a later pass: the tape check leaves it alone there.
const passed = new WeakMap<tf.Tensor, object>();
let consumed: { tape: object | null; tensors: tf.Tensor[] } = { tape: null, tensors: [] };

function activeTape(): object | null {
  return (tf.engine().state as unknown as { activeTape: object | null }).activeTape;
}

/** Marks `dx`, a gradient our op returns for its input, as read only by the producer's gradient. */
export function passGrad<T extends tf.Tensor>(dx: T): T {
  const tape = activeTape();
  if (tape) passed.set(dx, tape);
  return dx;
}

/**
 * Called first thing in a gradient that is the last reader of its `dy` (a matmul, conv,
 * pooling or activation; not a pass-through like the bias add). The engine runs a node's
 * gradient closures right after its gradient function, before the next node's, so the `dy`
 * noted by the previous such call in the same pass is finished with and is freed here. `dy`s
 * not marked in this pass (the caller's seed, sums) are never freed early.
 */
export function consumeGrad(dy: tf.Tensor | tf.Tensor[]): void {
  const tape = activeTape();
  if (consumed.tape === tape && tape) consumed.tensors.forEach((t) => t.dispose());
  consumed = { tape, tensors: [] };
  if (!Array.isArray(dy) && tape && passed.get(dy) === tape && !tapeReused()) consumed.tensors.push(dy);
}

/**
 * a + b for a bias b of shape [channels] broadcast over a's last axis. The stock Add gradient
 * saves both inputs to learn their shapes, which keeps the pre-activation product alive until
 * the backward pass ends; this one saves nothing: ∂L/∂a = dy, ∂L/∂b = Σ dy over all axes but
 * the last.
 */
const BIAS_ADD = 'FblBiasAdd';

tf.registerGradient({
  kernelName: BIAS_ADD,
  gradFunc: (dy) => {
    const g = dy as tf.Tensor;
    return {
      a: () => g,
      b: () => channelSum(g),
    };
  },
});

/**
 * Σ over every axis but the last. wasm's Sum over leading axes first transposes the whole tensor
 * (a conv block's bias gradient was 3.6 % of a cifar-conv BP step, two threads); this wasm kernel
 * adds the rows in one pass over the heap instead.
 */
const CHANNEL_SUM = 'FblChannelSum';

registerHeapKernel(CHANNEL_SUM, ['x'], (shapes) => [shapes[0]!.at(-1)!], ([x], out) => {
  const v = x!;
  const c = out.length;
  const sum = new Float64Array(c);
  let k = 0;
  // four rows per pass: 2× faster than one (fewer loads and stores of the running sums)
  for (; k + 4 * c <= v.length; k += 4 * c) {
    for (let ch = 0; ch < c; ch++) sum[ch] = sum[ch]! + (v[k + ch]! + v[k + c + ch]! + v[k + 2 * c + ch]! + v[k + 3 * c + ch]!);
  }
  for (; k < v.length; k += c) for (let ch = 0; ch < c; ch++) sum[ch] = sum[ch]! + v[k + ch]!;
  out.set(sum);
});

function channelSum(g: tf.Tensor): tf.Tensor {
  if (tf.getBackend() === 'wasm' && g.dtype === 'float32' && g.rank >= 2) return tf.engine().runKernel(CHANNEL_SUM, { x: g } as unknown as tf.NamedTensorMap, {}) as tf.Tensor;
  return tf.sum(g, [...Array(g.rank - 1).keys()]);
}

export function biasAdd<T extends tf.Tensor>(a: T, b: tf.Tensor1D): T {
  return runAliasKernel(BIAS_ADD, 'Add', { a, b }, {}) as T;
}

/**
 * An elementwise activation whose derivative is a function of its output y (tanh: 1 − y²,
 * sigmoid: y(1 − y), relu: [y > 0]). The tape keeps only y, which is also the next op's input,
 * so under {@link sharingSaves} it costs no memory of its own; y is released as soon as the
 * derivative has used it, and the derivative's temporaries are freed at once.
 */
export function fromOutput(
  forward: (a: tf.Tensor) => tf.Tensor,
  derivative: (y: tf.Tensor) => tf.Tensor,
  /** dy·derivative(y) in one op where the backend has one (null: the two ops above). */
  fused?: (dy: tf.Tensor, y: tf.Tensor) => tf.Tensor | null,
): (a: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const y = forward(a);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        consumeGrad(dy);
        const y = saved[0]!;
        const g = fused?.(dy, y) ?? tf.tidy(() => tf.mul(dy, derivative(y)));
        releaseSaved(y);
        return passGrad(g);
      },
    };
  });
  return (a) => sharingSaves(() => op(a));
}

/**
 * Runs `f` off the gradient tape: nothing it computes is saved for a backward pass, and no
 * gradient flows through its result. For signals built from tensors that carry no gradient
 * anyway (DFA's B_i·e with a regenerated B_i, which the tape would otherwise keep alive).
 */
export function untaped<T extends tf.Tensor>(f: () => T): T {
  const op = tf.customGrad(() => ({ value: f(), gradFunc: () => [] }));
  return op() as T;
}
