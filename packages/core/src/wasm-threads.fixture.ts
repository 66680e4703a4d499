// Run by wasm-threads.test.ts in a child process (a backend starts once per process): three
// momentum steps of a small tanh MLP on the wasm backend with FBL_THREADS threads, printed as
// one JSON line of the backend description, the losses and the final weights.
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, mlp, selectBackend, softmaxCrossEntropy } from './index';

const info = await selectBackend('wasm');
const model = mlp({ arch: [64, 96, 96, 10], activation: 'tanh', seed: 5 });
const x = tf.randomNormal([128, 64], 0, 1, 'float32', 6);
const y = tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: 128 }, (_, i) => i % 10), 'int32'), 10), 'float32');
const opt = tf.train.momentum(0.05, 0.9);
const params = model.blocks.flatMap((b) => b.params);
const losses: number[] = [];
for (let s = 0; s < 3; s++) {
  const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy.value(model.forward(x), y), params as tf.Variable[]);
  opt.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
  losses.push(value.dataSync()[0]!);
  tf.dispose([value, ...Object.values(grads)]);
}
const weights = params.flatMap((p) => Array.from(p.dataSync()));
process.stdout.write(JSON.stringify({ backend: describeBackend(info), threads: info.threads, notice: info.notice ?? null, losses, weights }) + "\n");
