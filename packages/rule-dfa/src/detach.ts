import * as tf from '@tensorflow/tfjs-core';

/**
 * A new tensor sharing `t`'s data but unknown to the gradient tape, so no gradient flows
 * through it. tfjs-core has no stopGradient; `makeTensorFromDataId` records no kernel, which
 * cuts the tape without copying data (the backend's reference count is raised by hand, as a
 * Reshape kernel does). DFA uses it to keep one forward tape while stopping the chain between
 * blocks: each block backpropagates only through itself.
 */
export function detach(t: tf.Tensor): tf.Tensor {
  const out = tf.engine().makeTensorFromDataId(t.dataId, t.shape, t.dtype);
  tf.backend().incRef(t.dataId);
  return out;
}
