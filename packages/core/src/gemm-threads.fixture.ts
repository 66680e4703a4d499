// Run by gemm-threads.test.ts in a child process with FBL_THREADS set: products and a
// convolution through @feedback-lab/wasm-gemm on the wasm backend (the threaded build's shared
// memory with FBL_THREADS=2), printed as one JSON line: the threads wasm-gemm runs on, XNNPACK's
// pool size, the tasks its helper ran, and the results' float32 bits (base64).
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { WasmGemm, type WasmBackendLike } from '@feedback-lab/wasm-gemm';
import { selectBackend } from './index';

const info = await selectBackend('wasm');
const gemm = new WasmGemm(tf.backend() as unknown as WasmBackendLike);
await gemm.start();
const x = tf.randomUniform([64, 784], -1, 1, 'float32', 1);
const w = tf.randomUniform([784, 800], -1, 1, 'float32', 2);
const d = tf.randomUniform([64, 800], -1, 1, 'float32', 3);
const img = tf.randomUniform([16, 16, 16, 32], -1, 1, 'float32', 4) as tf.Tensor4D;
const f = tf.randomUniform([5, 5, 32, 64], -1, 1, 'float32', 5) as tf.Tensor4D;
// the installed kernel (tf.matMul, tf.conv2d) and this WasmGemm on the same backend
const y = tf.matMul(x, w);
const y2 = tf.zerosLike(y);
// again until the helper has taken a task (on a loaded machine it may wake after the calling
// thread has claimed them all); same inputs, same output
for (let i = 0; i < 20 && (i === 0 || gemm.splits === 0); i++) {
  gemm.multiply(64, 800, 784, gemm.address(x), false, gemm.address(w), false, gemm.address(y2));
}
const results = [y, y2, tf.matMul(x, d, true, false), tf.matMul(d, w, false, true), tf.conv2d(img, f, 1, 'same')];
const bits = results.map((t) => Buffer.from((t.dataSync() as Float32Array).buffer).toString('base64'));
process.stdout.write(JSON.stringify({ backendThreads: info.threads, threads: gemm.threads, pool: getThreadsCount(), helped: gemm.splits, bits }) + '\n');
