// Wall time of the MLP's products with the weight packed on every call against read in place
// (WasmGemm's two layouts; LayoutTuner picks one per shape and machine), one thread and two,
// alternating call by call. `--flush` writes 8 MiB of other data before every call, as a
// training step's other work does between products (the weight then comes from L3, not L2).
// Usage (repository root):
//   node [--experimental-wasm-relaxed-simd] --conditions=@feedback-lab/source --import tsx \
//     packages/wasm-gemm/scripts/bench-layout.ts [--reps 40] [--batch 64] [--flush]
import { relaxedSimdSupported, WasmGemm } from '../src/gemm';
import type { Layout } from '../src/layout';
import { heap } from '../src/split.fixture';

const arg = (name: string, dflt: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : dflt);
const reps = Number(arg('--reps', '40'));
const batch = Number(arg('--batch', '64'));
const flush = process.argv.includes('--flush');
const variant = relaxedSimdSupported() ? 'relaxed' : 'simd';

const h = heap(true, 64);
const layouts: Layout[] = ['packed', 'in-place'];
const gemms = [1, 2].map((threads) => layouts.map((layout) => new WasmGemm(h.backend, variant, { threads, layout })));
await Promise.all(gemms.flat().map((g) => g.start()));
const other = new Float32Array(h.memory.buffer, h.floats(2 << 20), 2 << 20);

type Case = { name: string; flops: number; run: (g: WasmGemm) => void };
const mm = (name: string, M: number, N: number, K: number, tA = false, tB = false): Case => {
  const [a, b, c] = [h.floats(M * K, 1), h.floats(K * N, 2), h.floats(M * N)];
  return { name: `${name} ${M}×${K}×${N}`, flops: 2 * M * N * K, run: (g) => g.multiply(M, N, K, a, tA, b, tB, c) };
};
const cases: Case[] = [mm('fwd x·W', batch, 800, 784), mm('fwd x·W', batch, 800, 800), mm('∂x δ·Wᵀ', batch, 800, 800, false, true), mm('∂W xᵀ·δ', 784, 800, batch, true)];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const times = cases.map(() => gemms.map((row) => row.map((): number[] => [])));
for (let r = 0; r < reps + 2; r++) {
  cases.forEach((c, i) => gemms.forEach((row, t) => row.forEach((g, l) => {
    if (flush) other.fill(r + l);
    const t0 = performance.now();
    c.run(g);
    if (r >= 2) times[i]![t]![l]!.push(performance.now() - t0);
  })));
}
console.log(`Node ${process.versions.node}, ${variant}, ${reps} reps, wall time (median)${flush ? ', 8 MiB written before each call' : ''}`);
console.log(`${'product'.padEnd(24)}${['1 thread: packed', 'in place', 'ratio', '2 threads: packed', 'in place', 'ratio'].map((s) => s.padStart(s.length > 10 ? 18 : 10)).join('')}`);
cases.forEach((c, i) => {
  const cols = times[i]!.flatMap((row) => {
    const [p, q] = row.map(median) as [number, number];
    return [p.toFixed(3).padStart(18), q.toFixed(3).padStart(10), `${(q / p).toFixed(3)}×`.padStart(10)];
  });
  console.log(`${c.name.padEnd(24)}${cols.join('')}`);
});
gemms.flat().forEach((g) => g.dispose());
