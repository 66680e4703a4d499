// Run by momentum-kernel.test.ts in a child process with FBL_THREADS=2 (the threaded build's
// memory is shared): momentum updates through createOptimizer and through tfjs's four kernels,
// printed as one JSON line: threads, whether the fused kernel ran, whether every bit agrees,
// and whether wasm-gemm's helper thread took part of the large update (≥ SPLIT_UPDATE elements,
// its length 3 mod 4, so the tail is also checked).
import { installedWasmGemm, SPLIT_UPDATE } from '@feedback-lab/wasm-gemm';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './index';
import { MOMENTUM_KERNEL } from './momentum-kernel';
import { momentumAgainstStock } from './test-numerics';

const info = await selectBackend('wasm');
const gemm = installedWasmGemm(tf.backend());
await gemm?.start();
const start = tf.memory().numTensors;
const before = gemm?.splits ?? 0;
const big = [257, Math.ceil(SPLIT_UPDATE / 257) + 2];
const { sameBits, kernels } = await momentumAgainstStock([[37, 29], [3], big], 5);
process.stdout.write(JSON.stringify({
  threads: info.threads, fused: kernels.includes(MOMENTUM_KERNEL), sameBits, helped: (gemm?.splits ?? 0) > before,
  leaked: tf.memory().numTensors - start,
}) + '\n');
