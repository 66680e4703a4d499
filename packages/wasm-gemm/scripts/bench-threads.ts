// Wall time of products and convolutions on one thread against two (a helper thread sharing
// the memory, as in tfjs-backend-wasm's threaded build), alternating call by call, and the
// cost of one fork-join (a helper's empty job). The kernel runs on a shared memory of its own
// (split.fixture.ts), the same module as on the threaded build's heap. Usage (repository root):
//   node [--experimental-wasm-relaxed-simd] --conditions=@feedback-lab/source --import tsx \
//     packages/wasm-gemm/scripts/bench-threads.ts [--reps 40] [--batch 64]
import { relaxedSimdSupported, WasmGemm, type ConvShape } from '../src/gemm';
import { KERNELS } from '../src/kernels.generated';
import { Team, type KernelCalls } from '../src/split';
import { heap } from '../src/split.fixture';

const arg = (name: string, dflt: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : dflt);
const reps = Number(arg('--reps', '40'));
const batch = Number(arg('--batch', '64'));
const variant = relaxedSimdSupported() ? 'relaxed' : 'simd';

const h = heap(true);
const one = new WasmGemm(h.backend, variant, { threads: 1 });
const two = new WasmGemm(h.backend, variant, { threads: 2 });
await two.start();

type Case = { name: string; flops: number; run: (g: WasmGemm) => void };
const mm = (name: string, M: number, N: number, K: number, tA = false, tB = false): Case => {
  const [a, b, c] = [h.floats(M * K, 1), h.floats(K * N, 2), h.floats(M * N)];
  return { name: `${name} ${M}×${K}×${N}`, flops: 2 * M * N * K, run: (g) => g.multiply(M, N, K, a, tA, b, tB, c) };
};
const cv = (name: string, s: ConvShape): Case => {
  const [x, f, y] = [h.floats(s.batch * s.inH * s.inW * s.inC, 3), h.floats(s.kh * s.kw * s.inC * s.outC, 4), h.floats(s.batch * s.outH * s.outW * s.outC)];
  return { name, flops: 2 * s.batch * s.outH * s.outW * s.outC * s.kh * s.kw * s.inC, run: (g) => g.convolve(s, x, f, y) };
};
/** A 'same' 5×5 convolution of a [n, hw, hw, ci] input to co channels. */
const same5 = (n: number, hw: number, ci: number, co: number): ConvShape =>
  ({ batch: n, inH: hw, inW: hw, inC: ci, kh: 5, kw: 5, outC: co, outH: hw, outW: hw, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 2, padLeft: 2 });
/** The filter gradient of same5 as core runs it: x with batch and channels swapped, dy as the filter. */
const grad5 = (n: number, hw: number, ci: number, co: number): ConvShape =>
  ({ batch: ci, inH: hw, inW: hw, inC: n, kh: hw, kw: hw, outC: co, outH: 5, outW: 5, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 2, padLeft: 2 });

const cases: Case[] = [
  mm('fwd', batch, 800, 784), mm('∂W', 784, 800, batch, true), mm('fwd', batch, 800, 800), mm('∂x', batch, 800, 800, false, true), mm('fwd', batch, 10, 800),
  ...[32, 48, 64, 96, 128, 192, 256, 512].map((n) => mm('square', n, n, n)),
  cv('cifar-conv 1 fwd', same5(batch, 32, 3, 32)), cv('cifar-conv 2 fwd', same5(batch, 16, 32, 64)), cv('cifar-conv 3 fwd', same5(batch, 8, 64, 64)),
  cv('cifar-conv 1 ∂W', grad5(batch, 32, 3, 32)), cv('cifar-conv 2 ∂W', grad5(batch, 16, 32, 64)),
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const times = cases.map(() => [[], []] as number[][]);
for (let r = 0; r < reps + 2; r++) {
  cases.forEach((c, i) => [one, two].forEach((g, j) => {
    const t0 = performance.now();
    c.run(g);
    if (r >= 2) times[i]![j]!.push(performance.now() - t0);
  }));
}
// one fork-join with nothing to compute: wake the helper, claim two empty tasks, wait
const mod = new WebAssembly.Module(Uint8Array.from(atob(KERNELS[`${variant}-shared`]), (ch) => ch.charCodeAt(0)));
const team = new Team(mod, h.memory, new WebAssembly.Instance(mod, { env: { memory: h.memory } }).exports as unknown as KernelCalls, 1);
await team.ready();
const s = h.floats(64);
const forks: number[] = [];
for (let r = 0; r < 200; r++) {
  const t0 = performance.now();
  team.run(2, 128, (k, own) => k.gemm(4, 8, 0, s, 0, s, s, 0, 0, own(s), 0));
  forks.push(performance.now() - t0);
  await new Promise((res) => setTimeout(res, 1));
}
const helped = team.jobs;
team.dispose();

console.log(`Node ${process.versions.node}, ${variant}, ${reps} reps, wall time (median), ${two.splits} tasks ran on the helper`);
console.log(`fork-join with empty tasks: ${(1000 * median(forks)).toFixed(0)} µs median (the helper took ${helped} of ${2 * forks.length} tasks)`);
console.log(`${'product'.padEnd(32)}${'1 thread ms'.padStart(12)}${'2 threads'.padStart(11)}${'GFLOP/s 1'.padStart(11)}${'2'.padStart(7)}${'speed-up'.padStart(10)}`);
cases.forEach((c, i) => {
  const [t1, t2] = times[i]!.map(median) as [number, number];
  console.log(`${c.name.padEnd(32)}${t1.toFixed(3).padStart(12)}${t2.toFixed(3).padStart(11)}${(c.flops / t1 / 1e6).toFixed(1).padStart(11)}${(c.flops / t2 / 1e6).toFixed(1).padStart(7)}${`${(t1 / t2).toFixed(2)}×`.padStart(10)}`);
});
