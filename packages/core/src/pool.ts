import * as tf from '@tensorflow/tfjs-core';
import { FblError } from './errors';
import { runAliasKernel } from './kernel-alias';
import { consumeGrad, passGrad, releaseSaved } from './tape-memory';
import type { Padding } from './conv';

/**
 * Max pooling with a gradient that is right on every backend.
 *
 * The wasm `MaxPoolGrad` starts its running maximum at `numeric_limits<float>::min()`, the
 * smallest *positive* float, so in a window whose values are all ≤ 0 the gradient goes to the
 * window's first slot or is dropped (docs/tfjs-facts.md, "Convolution and pooling gradients"). Max pooling's gradient
 * does not change when a constant is added to the input, so `FblMaxPool` calls the same kernel
 * on x − min(x) + 1, where every value is ≥ 1 and the bug cannot trigger. Cost: one min
 * reduction and two adds per backward pass. Other backends get the stock kernel unshifted.
 */
const MAX_KERNEL = 'FblMaxPool';

interface PoolAttrs {
  filterSize: [number, number];
  strides: [number, number];
  pad: Padding;
}

tf.registerGradient({
  kernelName: MAX_KERNEL,
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    consumeGrad(dy);
    const [x, y] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as PoolAttrs;
    return {
      x: () => {
        const shift = tf.getBackend() === 'wasm' ? tf.sub(1, tf.min(x)) : undefined;
        const xs = shift ? tf.add(x, shift) : x;
        const ys = shift ? tf.add(y, shift) : y;
        const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: xs, output: ys } as unknown as tf.NamedTensorMap, {
          filterSize: a.filterSize, strides: a.strides, pad: a.pad, dimRoundingMode: undefined,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        releaseSaved(x, y);
        return passGrad(dx);
      },
    };
  },
});

export type PoolType = 'max' | 'avg';

export interface PoolOptions {
  type: PoolType;
  /** Window size (square). */
  size: number;
  /** Default: the window size (non-overlapping windows). */
  stride?: number;
  padding?: Padding;
}

/**
 * Max or average pooling over NHWC input. Average pooling uses tfjs's own op, whose gradient is
 * correct on wasm; max pooling uses the fixed gradient above.
 *
 * @example
 * const y = pool2d(tf.zeros([8, 24, 24, 20]), { type: 'max', size: 2 }); // [8, 12, 12, 20]
 */
export function pool2d(x: tf.Tensor4D, o: PoolOptions): tf.Tensor4D {
  const stride = o.stride ?? o.size;
  const pad = o.padding ?? 'valid';
  if (o.type === 'avg') return tf.avgPool(x, o.size, stride, pad);
  if (o.type !== 'max') throw new FblError('INVALID_OPTION', `unknown pool type "${String(o.type)}" (expected max or avg)`);
  return runAliasKernel(MAX_KERNEL, 'MaxPool', { x }, {
    filterSize: [o.size, o.size], strides: [stride, stride], pad, dimRoundingMode: undefined,
  }) as tf.Tensor4D;
}

/** Output spatial size of a conv or pool along one axis (tfjs/TensorFlow rounding). */
export function outSize(n: number, k: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - k) / stride) + 1;
}
