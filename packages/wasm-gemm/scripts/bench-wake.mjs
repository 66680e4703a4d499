// The delay between Atomics.notify and a sleeping Worker running (the wake-up of wasm-gemm's
// helper threads), with the calling thread busy for GAP ms between wake-ups, 2000 times.
// Usage: node packages/wasm-gemm/scripts/bench-wake.mjs [GAP_MS]
import { Worker } from 'node:worker_threads';
const sab = new SharedArrayBuffer(64);
const i32 = new Int32Array(sab), f64 = new Float64Array(sab, 16, 4);
const w = new Worker(`
const { workerData: sab } = require('node:worker_threads');
const i32 = new Int32Array(sab), f64 = new Float64Array(sab, 16, 4);
let seen = 0;
for (;;) { Atomics.wait(i32, 0, seen); seen = Atomics.load(i32, 0); if (seen < 0) break; f64[1] = performance.timeOrigin + performance.now(); Atomics.store(i32, 1, seen); }
`, { eval: true, workerData: sab });
await new Promise((r) => setTimeout(r, 200));
const d = [];
const busy = (ms) => { const t = performance.now(); let x = 0; while (performance.now() - t < ms) x += Math.sqrt(x + 1); return x; };
for (let k = 1; k <= 2000; k++) {
  busy(Number(process.argv[2] ?? 1));
  const t0 = performance.timeOrigin + performance.now();
  Atomics.store(i32, 0, k); Atomics.notify(i32, 0);
  while (Atomics.load(i32, 1) !== k) { if (performance.timeOrigin + performance.now() - t0 > 50) break; }
  d.push(1000 * (f64[1] - t0));
}
Atomics.store(i32, 0, -1); Atomics.notify(i32, 0);
d.sort((a, b) => a - b);
const q = (p) => d[Math.floor(p * (d.length - 1))].toFixed(0);
console.log(`gap ${process.argv[2] ?? 1} ms: wake-up µs p10 ${q(0.1)} p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${q(1)}`);
await w.terminate();
