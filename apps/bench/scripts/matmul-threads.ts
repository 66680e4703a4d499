// 1024² matMul GFLOP/s on the wasm backend with FBL_THREADS threads (one backend per process):
//   for t in 1 2 1 2; do FBL_THREADS=$t node --conditions=@feedback-lab/source --import tsx apps/bench/scripts/matmul-threads.ts; done
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, selectBackend } from '@feedback-lab/core';

const info = await selectBackend('wasm');
const a = tf.randomNormal([1024, 1024], 0, 1, 'float32', 1);
const b = tf.randomNormal([1024, 1024], 0, 1, 'float32', 2);
const times: number[] = [];
for (let r = 0; r < 12; r++) {
  const t0 = performance.now();
  const c = tf.matMul(a, b);
  c.dataSync();
  if (r >= 2) times.push(performance.now() - t0);
  c.dispose();
}
times.sort((x, y) => x - y);
const ms = times[times.length >> 1]!;
process.stdout.write(`${describeBackend(info)}: 1024² matMul median ${ms.toFixed(1)} ms, ${(2 * 1024 ** 3 / ms / 1e6).toFixed(1)} GFLOP/s\n`);
