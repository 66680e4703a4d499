import * as tf from '@tensorflow/tfjs-core';
import { activate, type ActivationName } from './activations';
import { conv2d, conv2dWithFeedback, type Padding } from './conv';
import { toVariable } from './dense';
import { biasAdd, sharingSaves } from './tape-memory';
import { check } from './errors';
import { initWeights, type InitName } from './init';
import { outSize, pool2d, type PoolOptions } from './pool';
import type { Block, FeedbackWeight } from './types';

export interface Conv2dBlockOptions {
  name?: string;
  /** Per-sample input [height, width, channels]. Inputs of another rank (e.g. flat [784]) are reshaped. */
  inputShape: readonly [number, number, number];
  filters: number;
  /** Square kernel size. */
  kernelSize: number;
  stride?: number;
  padding?: Padding;
  /** Pooling after the convolution, before the activation (as in LeNet/cuda-convnet configs). */
  pool?: PoolOptions;
  activation?: ActivationName;
  init?: InitName;
  seed: number;
}

/**
 * A convolutional block: h = act(pool(conv2d(x, W) + b)), W of shape
 * [k, k, inChannels, filters]. `applyWithFeedback(x, [W, b], [B])` computes the same output but
 * sends the error back to x through B in place of W (FA's fixed random kernel, sign-symmetry's
 * sign(W)), on the same tape as the forward pass.
 *
 * @example
 * const block = conv2dBlock({ inputShape: [28, 28, 1], filters: 20, kernelSize: 5,
 *   pool: { type: 'max', size: 2 }, activation: 'relu', seed: 1 }); // outputShape [12, 12, 20]
 */
export function conv2dBlock(o: Conv2dBlockOptions): Block {
  const [h, w, c] = o.inputShape;
  const stride = o.stride ?? 1;
  const padding = o.padding ?? 'valid';
  const k = o.kernelSize;
  for (const [label, v] of [['filters', o.filters], ['kernel size', k], ['stride', stride]] as const) {
    check(Number.isInteger(v) && v > 0, `conv2d ${label} must be a positive integer, got ${v}`);
  }
  check(padding === 'same' || padding === 'valid', `conv2d padding must be same or valid, got "${String(padding)}"`);
  let oh = outSize(h, k, stride, padding);
  let ow = outSize(w, k, stride, padding);
  check(oh > 0 && ow > 0, `conv2d kernel ${k} does not fit input ${h}×${w} with ${padding} padding`, 'SHAPE_MISMATCH');
  if (o.pool) {
    const ps = o.pool.stride ?? o.pool.size;
    check(Number.isInteger(o.pool.size) && o.pool.size > 0 && Number.isInteger(ps) && ps > 0, `pool size and stride must be positive integers, got ${o.pool.size}/${ps}`);
    oh = outSize(oh, o.pool.size, ps, o.pool.padding ?? 'valid');
    ow = outSize(ow, o.pool.size, ps, o.pool.padding ?? 'valid');
    check(oh > 0 && ow > 0, `${o.pool.type}-pool ${o.pool.size} does not fit the conv output`, 'SHAPE_MISMATCH');
  }
  const activation = o.activation ?? 'linear';
  const init = o.init ?? (activation === 'relu' ? 'he-normal' : 'glorot-uniform');
  const kernel = toVariable(initWeights([k, k, c, o.filters], init, o.seed));
  const bias = toVariable(tf.zeros([o.filters]));
  // pre: the parametrised op; post: the local non-parametric tail (pool, activation), whose
  // derivative FA takes at the true pre-activation while sending the error through B.
  // the tape saves aliases inside the block (see tape-memory.ts)
  const affine = (x: tf.Tensor, [wt, b]: readonly tf.Tensor[], feedback?: readonly FeedbackWeight[]) =>
    sharingSaves(() => tf.tidy(() => {
      const x4 = (x.rank === 4 ? x : tf.reshape(x, [x.shape[0]!, h, w, c])) as tf.Tensor4D;
      const fb = feedback?.[0] as tf.Tensor4D | (() => tf.Tensor4D) | undefined;
      const y = fb ? conv2dWithFeedback(x4, wt as tf.Tensor4D, fb, stride, padding) : conv2d(x4, wt as tf.Tensor4D, stride, padding);
      return biasAdd(y, b as tf.Tensor1D);
    }));
  const preActivation = (x: tf.Tensor, weights: readonly tf.Tensor[]) => affine(x, weights);
  const postActivation = (a: tf.Tensor) =>
    sharingSaves(() => tf.tidy(() => activate(o.pool ? pool2d(a as tf.Tensor4D, o.pool) : a, activation)));
  const apply = (x: tf.Tensor, weights: readonly tf.Tensor[]) => tf.tidy(() => postActivation(preActivation(x, weights)));
  const applyWithFeedback = (x: tf.Tensor, weights: readonly tf.Tensor[], feedback: readonly FeedbackWeight[]) =>
    tf.tidy(() => postActivation(affine(x, weights, feedback)));
  const params = [kernel, bias];
  return {
    name: o.name ?? `conv${k}x${k}x${o.filters}`,
    params,
    inputShape: [h, w, c],
    outputShape: [oh, ow, o.filters],
    apply,
    preActivation,
    postActivation,
    applyWithFeedback,
    forward: (x) => apply(x, params),
  };
}

/** Reshapes [N, ...] to [N, prod(...)]: what a dense block after a conv block sees. */
export function flatten(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0]!, x.size / x.shape[0]!]);
}
