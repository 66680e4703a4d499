import type * as tf from '@tensorflow/tfjs-core';

/** Largest |a − b| over two equally shaped tensors or arrays. */
export function maxAbsDiff(a: tf.Tensor | ArrayLike<number>, b: tf.Tensor | ArrayLike<number>): number {
  const x = 'dataSync' in a ? a.dataSync() : a;
  const y = 'dataSync' in b ? b.dataSync() : b;
  if (x.length !== y.length) throw new Error(`length mismatch: ${x.length} vs ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Copies of every parameter of a model, as plain arrays. */
export function snapshot(params: readonly tf.Variable[]): Float32Array[] {
  return params.map((p) => Float32Array.from(p.dataSync()));
}
