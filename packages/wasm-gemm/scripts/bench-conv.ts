// Side-by-side GFLOP/s of the three convolutions of a conv layer's training step on
// tfjs-backend-wasm, as @feedback-lab/core runs them (all three are forward Conv2D kernels):
//   fwd  conv(x, W);  ∂x  conv(dy, W flipped, in/out swapped, "full" padding);
//   ∂W   conv(x with batch and channels swapped, dy as the filter) — see core's conv.ts.
// stock = tfjs's XNNPACK Conv2D, simd / relaxed = this package's im2col product, "+w" = the
// same with Winograd F(2×2, r×r) where it fits (forward and ∂x as Conv2D, ∂W as its own kernel). Contenders alternate call by
// call; times are process CPU time. Usage (from the repository root):
//   node [--experimental-wasm-relaxed-simd] --conditions=@feedback-lab/source --import tsx \
//     packages/wasm-gemm/scripts/bench-conv.ts [--batch 64] [--reps 10]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmGemm, relaxedSimdSupported, uninstallWasmGemm, WINOGRAD_FILTER_GRAD, winogradFilterGradFits, type GemmVariant } from '../src/index';

const arg = (name: string, dflt: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : dflt);
const batch = Number(arg('--batch', '64'));
const reps = Number(arg('--reps', '10'));

await tf.setBackend('wasm');
await tf.ready();

/** [model, h, w, cin, cout, k, padding] of the presets' conv layers */
const LAYERS: [string, number, number, number, number, number, 'same' | 'valid'][] = [
  ['mnist-conv 1', 28, 28, 1, 20, 5, 'valid'], ['mnist-conv 2', 12, 12, 20, 50, 5, 'valid'],
  ['cifar-conv 1', 32, 32, 3, 32, 5, 'same'], ['cifar-conv 2', 16, 16, 32, 64, 5, 'same'], ['cifar-conv 3', 8, 8, 64, 64, 5, 'same'],
  ['long-conv 1', 28, 28, 1, 5, 5, 'same'], ['long-conv 2+', 28, 28, 5, 5, 5, 'same'],
];

type Call = { name: string; flops: number; run: () => tf.Tensor };
const calls: Call[] = [];
const keep: tf.Tensor[] = [];
for (const [model, h, w, ci, co, k, pad] of LAYERS) {
  const ho = pad === 'same' ? h : h - k + 1;
  const wo = pad === 'same' ? w : w - k + 1;
  const p = pad === 'same' ? (k - 1) >> 1 : 0;
  const x = tf.randomUniform([batch, h, w, ci], -1, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomUniform([k, k, ci, co], -1, 1, 'float32', 2) as tf.Tensor4D;
  const ft = tf.randomUniform([k, k, co, ci], -1, 1, 'float32', 3) as tf.Tensor4D;
  const dy = tf.randomUniform([batch, ho, wo, co], -1, 1, 'float32', 4) as tf.Tensor4D;
  const xt = tf.randomUniform([ci, h, w, batch], -1, 1, 'float32', 5) as tf.Tensor4D;
  const dyt = tf.randomUniform([ho, wo, batch, co], -1, 1, 'float32', 6) as tf.Tensor4D;
  keep.push(x, f, ft, dy, xt, dyt);
  const flops = 2 * batch * ho * wo * k * k * ci * co;
  const q = k - 1 - p;
  const tag = `${model} ${h}×${w}×${ci}→${co}`;
  calls.push({ name: `fwd ${tag}`, flops, run: () => tf.conv2d(x, f, 1, pad) });
  if (!model.endsWith(' 1')) calls.push({ name: `∂x  ${tag}`, flops, run: () => tf.conv2d(dy, ft, 1, [[0, 0], [q, q], [q, q], [0, 0]]) });
  // ∂W: Winograd's kernel on x and dy where it is installed and fits (as core asks), else the
  // product of x and dy with batch and channels swapped (their transposes are not timed)
  const attrs = { filterShape: [k, k, ci, co] as [number, number, number, number], padTop: p, padLeft: p };
  calls.push({ name: `∂W  ${tag}`, flops, run: () => winogradFilterGradFits(x.shape, dy.shape, attrs)
    ? tf.engine().runKernel(WINOGRAD_FILTER_GRAD, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor
    : tf.conv2d(xt, dyt, 1, [[0, 0], [p, p], [p, p], [0, 0]]) });
}

// each variant with im2col only, then with Winograd where it fits ("+w")
const variants: GemmVariant[] = relaxedSimdSupported() ? ['simd', 'relaxed'] : ['simd'];
const names = ['stock', ...variants.flatMap((v) => [v, `${v}+w`])];
const times = calls.map(() => names.map((): number[] => []));
for (let r = 0; r < reps + 2; r++) {
  calls.forEach((c, i) => {
    names.forEach((n, j) => {
      if (n === 'stock') uninstallWasmGemm();
      else installWasmGemm({ variant: n.replace('+w', '') as GemmVariant, winograd: n.endsWith('+w') });
      const t0 = process.cpuUsage().user;
      tf.tidy(c.run);
      if (r >= 2) times[i]![j]!.push((process.cpuUsage().user - t0) / 1000);
    });
  });
}
uninstallWasmGemm();
tf.dispose(keep);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pad = (s: string, n: number) => s.padStart(n);
console.log(`Node ${process.versions.node}, batch ${batch}, ${reps} reps; GFLOP/s (median, CPU time)`);
console.log(`${'convolution'.padEnd(34)}${names.map((n) => pad(n, 9)).join('')}${names.slice(1).map((v) => pad(`${v}/stock`, 15)).join('')}`);
calls.forEach((c, i) => {
  const ms = times[i]!.map(median);
  console.log(`${c.name.padEnd(34)}${ms.map((m) => pad((c.flops / m / 1e6).toFixed(1), 9)).join('')}${ms.slice(1).map((m) => pad(`${(ms[0]! / m).toFixed(2)}×`, 15)).join('')}`);
});
