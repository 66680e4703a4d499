import * as tf from '@tensorflow/tfjs-core';
import { mlp, selectBackend, softmaxCrossEntropy } from '@feedback-lab/core';
import { profileStep } from '@feedback-lab/profiler';
import { RULES } from './registry';
await selectBackend('wasm');
for (const [W, B] of [[128, 64], [256, 128], [100, 50], [300, 32]]) for (const name of ['bp', 'fa', 'dfa', 'mem-dfa']) for (const d of [2, 4, 10, 20]) {
  const arch = [W, ...Array(d).fill(W), 10];
  const x = tf.randomUniform([B, W]); const y = tf.tidy(() => tf.oneHot(tf.randomUniform([B], 0, 10, 'int32'), 10).toFloat());
  const model = mlp({ arch, activation: 'tanh', seed: 1 });
  const rule = (RULES as any)[name]({ seed: 1 }); const opt = tf.train.momentum(0.01, 0.9);
  const p = await profileStep({ model, rule, optimizer: opt, batch: { x, y, labels: new Uint8Array(B), size: B }, loss: softmaxCrossEntropy });
  console.log(JSON.stringify({ name, W, B, d, T: p.peakTransientBytes, R: p.resident }));
  rule.dispose(); opt.dispose(); model.dispose(); tf.dispose([x, y]);
}
