import * as tf from '@tensorflow/tfjs-core';
import type { Loss } from './types';

/**
 * Mean softmax cross-entropy over the batch. Its gradient w.r.t. the logits is
 * e = (softmax(logits) − y) / B, the error that DFA projects to every block.
 */
export const softmaxCrossEntropy: Loss = {
  name: 'softmax-cross-entropy',
  value: (logits, targets) =>
    tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar),
  grad: (logits, targets) =>
    tf.tidy(() => tf.div(tf.sub(tf.softmax(logits), targets), logits.shape[0]!)),
};
