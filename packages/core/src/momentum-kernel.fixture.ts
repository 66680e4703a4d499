// Run by momentum-kernel.test.ts in a child process with FBL_THREADS=2 (the threaded build's
// memory is shared): momentum updates through createOptimizer and through tfjs's four kernels,
// printed as one JSON line: threads, whether the fused kernel ran, whether every bit agrees.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './index';
import { MOMENTUM_KERNEL } from './momentum-kernel';
import { momentumAgainstStock } from './test-numerics';

const info = await selectBackend('wasm');
const start = tf.memory().numTensors;
const { sameBits, kernels } = await momentumAgainstStock([[37, 29], [3]], 5);
process.stdout.write(JSON.stringify({ threads: info.threads, fused: kernels.includes(MOMENTUM_KERNEL), sameBits, leaked: tf.memory().numTensors - start }) + '\n');
