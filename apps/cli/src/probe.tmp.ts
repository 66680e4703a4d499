import * as tf from '@tensorflow/tfjs-core';
import { mlp, selectBackend, softmaxCrossEntropy } from '@feedback-lab/core';
import { profileStep } from '@feedback-lab/profiler';
import { RULES } from './registry';
await selectBackend('wasm');
const [W, B] = [Number(process.argv[2] ?? 256), Number(process.argv[3] ?? 128)];
for (const name of process.argv[4]!.split(',')) for (const d of process.argv[5]!.split(',').map(Number)) {
  const arch = [W, ...Array(d).fill(W), 10];
  const x = tf.randomUniform([B, W]); const y = tf.tidy(() => tf.oneHot(tf.randomUniform([B], 0, 10, 'int32'), 10).toFloat());
  const model = mlp({ arch, activation: 'tanh', seed: 1 });
  const rule = (RULES as any)[name]({ seed: 1 }); const opt = tf.train.momentum(0.01, 0.9);
  const p = await profileStep({ model, rule, optimizer: opt, batch: { x, y, labels: new Uint8Array(B), size: B }, loss: softmaxCrossEntropy });
  const act = B * W * 4, par = W * W * 4;
  console.log(name, d, JSON.stringify(p.resident), 'transient', p.peakTransientBytes, 'in act units', (p.peakTransientBytes / act).toFixed(3), 'par', (p.resident.weights/par).toFixed(3));
  if (process.env.PH) console.log(p.phases.map(f => `${f.phase}:${f.kernels}:${(f.peakTransientBytes/act).toFixed(2)}`).join(' '));
  if (process.env.TL) console.log(p.timeline.map(t => `${t.phase}/${t.kernel}:${((t.bytes - p.resident.total)/act).toFixed(2)}`).join(' '));
  rule.dispose(); opt.dispose(); model.dispose(); tf.dispose([x, y]);
}
