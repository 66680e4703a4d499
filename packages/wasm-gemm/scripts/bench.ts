// Side-by-side GFLOP/s of the products of one training step of an MLP on tfjs-backend-wasm:
//   stock  — tfjs's XNNPACK kernel, operands arranged as @feedback-lab/core does for it
//            (forward (Wᵀ·xᵀ)ᵀ, ∂x (W·δᵀ)ᵀ, ∂W xᵀ·δ with explicit transposes, all counted);
//   simd / relaxed — this package's kernel, transposes read in place.
// Contenders alternate product by product; times are process CPU time (tfjs-wasm runs on the
// main thread), which a machine shared with other jobs inflates far less than wall time. Usage (from the repository root):
//   node [--experimental-wasm-relaxed-simd] --conditions=@feedback-lab/source --import tsx \
//     packages/wasm-gemm/scripts/bench.ts [--arch 784-800-800-10] [--batch 64] [--reps 30]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmGemm, relaxedSimdSupported, uninstallWasmGemm, type GemmVariant } from '../src/index';

const arg = (name: string, dflt: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : dflt);
const arch = arg('--arch', '784-800-800-10').split('-').map(Number);
const batch = Number(arg('--batch', '64'));
const reps = Number(arg('--reps', '30'));

await tf.setBackend('wasm');
await tf.ready();

type Product = { name: string; flops: number; stock: () => tf.Tensor; ours: () => tf.Tensor };
const T = (t: tf.Tensor) => tf.transpose(t);
const products: Product[] = [];
const keep: tf.Tensor[] = [];
arch.slice(1).forEach((out, l) => {
  const inp = arch[l]!;
  const x = tf.randomUniform([batch, inp], -1, 1, 'float32', 3 * l + 1);
  const w = tf.randomUniform([inp, out], -1, 1, 'float32', 3 * l + 2);
  const d = tf.randomUniform([batch, out], -1, 1, 'float32', 3 * l + 3);
  keep.push(x, w, d);
  const flops = 2 * batch * inp * out;
  const tag = `${batch}x${inp}x${out}`;
  products.push({ name: `fwd  x·W   ${tag}`, flops, stock: () => T(tf.matMul(T(w), T(x))), ours: () => tf.matMul(x, w) });
  products.push({ name: `∂W   xᵀ·δ  ${tag}`, flops, stock: () => tf.matMul(T(x), d), ours: () => tf.matMul(x, d, true, false) });
  if (l > 0) products.push({ name: `∂x   δ·Wᵀ  ${tag}`, flops, stock: () => T(tf.matMul(w, T(d))), ours: () => tf.matMul(d, w, false, true) });
});

const variants: GemmVariant[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
const names = ['stock', ...variants] as const;
const times = products.map(() => names.map((): number[] => []));
for (let r = 0; r < reps + 3; r++) {
  products.forEach((p, i) => {
    names.forEach((n, j) => {
      if (n === 'stock') uninstallWasmGemm();
      else installWasmGemm({ variant: n });
      const t0 = process.cpuUsage().user;
      tf.tidy(n === 'stock' ? p.stock : p.ours);
      if (r >= 3) times[i]![j]!.push((process.cpuUsage().user - t0) / 1000);
    });
  });
}
uninstallWasmGemm();
tf.dispose(keep);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pad = (s: string, n: number) => s.padStart(n);
console.log(`Node ${process.versions.node}, batch ${batch}, arch ${arch.join('-')}, ${reps} reps; GFLOP/s (median, CPU time)`);
console.log(`${'product'.padEnd(30)}${names.map((n) => pad(n, 9)).join('')}${variants.map((v) => pad(`${v}/stock`, 15)).join('')}`);
const total = names.map(() => 0);
let flops = 0;
products.forEach((p, i) => {
  const ms = times[i]!.map(median);
  ms.forEach((m, j) => (total[j]! += m));
  flops += p.flops;
  console.log(`${p.name.padEnd(30)}${ms.map((m) => pad((p.flops / m / 1e6).toFixed(1), 9)).join('')}${ms.slice(1).map((m) => pad(`${(ms[0]! / m).toFixed(2)}×`, 15)).join('')}`);
});
console.log(`${'all (Σ FLOPs ÷ Σ time)'.padEnd(30)}${total.map((m) => pad((flops / m / 1e6).toFixed(1), 9)).join('')}${total.slice(1).map((m) => pad(`${(total[0]! / m).toFixed(2)}×`, 15)).join('')}`);
