// Products through the installed kernel checked against a float64 reference. The test runs it
// in its own process, and again under --experimental-wasm-relaxed-simd where the engine needs
// the flag (Node 20), printing one JSON line: { variant, worst: [case, relative error][] }.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { activationGradInHeap, installWasmGemm, unaryInHeap, uninstallWasmGemm, type GemmVariant } from './index';

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
    out.push(...activationErrors());
  } finally {
    uninstallWasmGemm();
  }
  return out;
}

/** Element counts for tanh: below a vector (not taken: false), whole vectors, a partial last vector, a 64×800 layer plus 3. */
export const TANH_SIZES = [3, 4, 5, 17, 64 * 800 + 3];

/**
 * Per size: tanh's worst |got − tanh(x)| on x in [−10, 10] (and ±0, ±1e-5, NaN, ±Infinity), and
 * the gradients': 0 when every element is the float32 dy·(1 − y·y), resp. dy·step(y) (1 where
 * y > 0, NaN where y is, else 0) and sign(x) (subnormals included), bit for bit, else Infinity. Under 4 elements all must decline
 * (the caller's loop runs), and leave the output alone.
 */
function activationErrors(): [string, number][] {
  const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
  const at = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const out: [string, number][] = [];
  for (const n of TANH_SIZES) {
    const xs = Float32Array.from({ length: n }, (_, i) => 20 * ((i * 0.6180339887) % 1) - 10);
    [0, -0, 1e-5, -1e-5, NaN, Infinity, -Infinity, 2.5e-40, -1e-30].forEach((v, i) => i < n && (xs[n - 1 - i] = v));
    const [x, y, dy, dx, rx, sx] = [tf.tensor1d(xs), tf.fill([n], 5), tf.randomUniform([n], -1, 1, 'float32', n), tf.fill([n], 5), tf.fill([n], 5), tf.fill([n], 5)];
    const ran = unaryInHeap(tf.backend(), 'tanh', at(x), at(y), n);
    const gran = activationGradInHeap(tf.backend(), 'tanh', at(dy), at(y), at(dx), n);
    // relu's gradient at x (negative, zero, positive, NaN, infinite values) as its output
    const rran = activationGradInHeap(tf.backend(), 'relu', at(dy), at(x), at(rx), n);
    const sran = unaryInHeap(tf.backend(), 'sign', at(x), at(sx), n);
    const [yv, dyv, dxv, rxv, sxv] = [y.dataSync(), dy.dataSync(), dx.dataSync(), rx.dataSync(), sx.dataSync()];
    let worst = [ran, gran, rran, sran].every((r) => r === n >= 4) ? 0 : Infinity;
    let grad = worst;
    let relu = worst;
    let sgn = worst;
    for (let i = 0; i < n; i++) {
      if (!ran) {
        if (yv[i] !== 5 || dxv[i] !== 5 || rxv[i] !== 5 || sxv[i] !== 5) worst = Infinity;
        continue;
      }
      if (!Object.is(sxv[i]!, xs[i]! > 0 ? 1 : xs[i]! < 0 ? -1 : Number.isNaN(xs[i]!) ? NaN : 0)) sgn = Infinity;
      const want = Math.tanh(xs[i]!);
      worst = Math.max(worst, Number.isNaN(want) ? (Number.isNaN(yv[i]!) ? 0 : Infinity) : Math.abs(yv[i]! - want));
      const g = Math.fround(dyv[i]! * Math.fround(1 - Math.fround(yv[i]! * yv[i]!)));
      if (!Object.is(g, dxv[i]!)) grad = Infinity;
      const r = Math.fround(dyv[i]! * (xs[i]! > 0 ? 1 : Number.isNaN(xs[i]!) ? NaN : 0));
      if (!Object.is(r, rxv[i]!)) relu = Infinity;
    }
    out.push([`tanh ${n}`, worst], [`tanhGrad ${n}`, grad], [`reluGrad ${n}`, relu], [`sign ${n}`, sgn]);
    tf.dispose([x, y, dy, dx, rx, sx]);
  }
  return out;
}

if (process.argv.includes('--print')) {
  const variant = process.argv[process.argv.indexOf('--print') + 1] as GemmVariant;
  process.stdout.write(JSON.stringify({ variant, worst: await productErrors(variant) }) + '\n');
}
