// Products through the installed kernel checked against a float64 reference. The test runs it
// in its own process, and again under --experimental-wasm-relaxed-simd where the engine needs
// the flag (Node 20), printing one JSON line: { variant, worst: [case, relative error][] }.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmGemm, uninstallWasmGemm, type GemmVariant } from './index';

/**
 * [M, N, K]: tile-sized, edges in every dimension, K = 0 (zeros), a panel of one column, K = 1, the MLP's;
 * B's whole panels read in place beside a packed last one ([6, 30, 40], [37, 13, 29] untransposed),
 * a transposed B's rows read in place with rows left over for a packed panel ([6, 30, 40], [37, 130, 900] with tB).
 */
export const SHAPES: [number, number, number][] = [
  [4, 8, 16], [1, 1, 1], [5, 9, 3], [3, 5, 0], [37, 13, 29], [7, 1, 11], [3, 24, 1], [64, 10, 800], [64, 800, 784],
  [6, 30, 40], [37, 130, 900],
];

function reference(a: Float32Array, b: Float32Array, M: number, N: number, K: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[tA ? k * M + i : i * K + k]! * b[tB ? j * K + k : k * N + j]!;
      c[i * N + j] = s;
    }
  }
  return c;
}

/** Worst error |got − ref| / (Σ|a·b| terms' scale) per shape and transpose case. */
export async function productErrors(variant: GemmVariant): Promise<[string, number][]> {
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmGemm({ variant });
  const out: [string, number][] = [];
  try {
    let seed = 1;
    for (const [M, N, K] of SHAPES) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = tf.randomUniform(tA ? [K, M] : [M, K], -1, 1, 'float32', seed++);
        const b = tf.randomUniform(tB ? [N, K] : [K, N], -1, 1, 'float32', seed++);
        const c = tf.matMul(a, b, tA, tB);
        const ref = reference(a.dataSync() as Float32Array, b.dataSync() as Float32Array, M, N, K, tA, tB);
        const got = c.dataSync();
        let worst = c.shape[0] === M && c.shape[1] === N ? 0 : Infinity;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!) / Math.sqrt(Math.max(K, 1)));
        out.push([`${M}x${N}x${K}${tA ? ' tA' : ''}${tB ? ' tB' : ''}`, worst]);
        tf.dispose([a, b, c]);
      }
    }
  } finally {
    uninstallWasmGemm();
  }
  return out;
}

if (process.argv.includes('--print')) {
  const variant = process.argv[process.argv.indexOf('--print') + 1] as GemmVariant;
  process.stdout.write(JSON.stringify({ variant, worst: await productErrors(variant) }) + '\n');
}
