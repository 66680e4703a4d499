// The web app's training samples/s in headless Chromium with one wasm thread and with N, the same
// config alternated in one run (1, N, 1, N, …), each on a fresh page of the production build served
// with COOP/COEP. Prints every round, the medians and their ratio, and the 1-minute load average
// (other jobs on the machine take cores from the threads), and on Linux the cores the browser kept
// busy while it trained (its processes' CPU time over the wall time). A measurement, not a test.
// Usage: pnpm --filter @feedback-lab/web bench:threads
//   [FBL_BENCH_THREADS=all FBL_BENCH_ROUNDS=3 FBL_BENCH_RULE=bp FBL_BENCH_ARCH=784-800-800-10 FBL_BENCH_BATCH=64 FBL_BENCH_STEPS=60]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { launchChromium } from './browser';
import { readRows } from './rows';
import { serveBuild } from './server';

const threads = process.env.FBL_BENCH_THREADS ?? 'all';
const rounds = Number(process.env.FBL_BENCH_ROUNDS ?? 3);
const rule = process.env.FBL_BENCH_RULE ?? 'bp';
const arch = process.env.FBL_BENCH_ARCH ?? '784-800-800-10';
const batch = process.env.FBL_BENCH_BATCH ?? '64';
const steps = Number(process.env.FBL_BENCH_STEPS ?? 60);

const server = await serveBuild();
const browser = await launchChromium();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = new Map<string, number[]>();
const loads = [loadavg()[0]!];

/** CPU seconds of this process's descendants (the browser), from /proc; NaN elsewhere. */
function browserCpuSeconds(): number {
  if (!existsSync('/proc/self/stat')) return NaN;
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // fields after the parenthesised name: state ppid … utime(14) stime(15)
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  const mine = new Set([process.pid]);
  let ticks = 0;
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of procs) {
      if (mine.has(pid) || !mine.has(p.ppid)) continue;
      mine.add(pid);
      ticks += p.ticks;
      grew = true;
    }
  }
  return ticks / 100; // USER_HZ
}

/** One run on a fresh page with `?threads=`: the row's samples/s (median over its steps) and the cores busy meanwhile. */
async function run(param: string): Promise<{ backend: string; samplesPerSec: number; cores: number }> {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}?threads=${param}`);
    await page.waitForSelector('#status[data-ready=true]', { timeout: 60_000 });
    const note = await page.locator('[data-testid=wasm-threads]').innerText();
    if (note.startsWith('wasm threads:')) console.log(`  notice: ${note}`);
    await page.selectOption('#backend', 'wasm');
    await page.selectOption('#rule', rule);
    await page.fill('#arch', arch);
    await page.fill('#batch', batch);
    for (const [id, v] of [['max-steps', steps], ['eval-every', 100_000], ['profile-every', 100_000], ['eval-limit', 500]] as const) await page.fill(`#${id}`, String(v));
    const [cpu0, t0] = [browserCpuSeconds(), performance.now()];
    await page.click('[data-testid=start]');
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') === 'idle', undefined, { timeout: 300_000 });
    const cores = (browserCpuSeconds() - cpu0) / ((performance.now() - t0) / 1000);
    const [row] = await readRows(page);
    if (row?.status !== 'done') throw new Error(`run with threads=${param} ended "${row?.status}": ${await page.locator('#error').innerText()}`);
    return { ...row, cores };
  } finally {
    await page.close();
  }
}

try {
  console.log(`wasm threads in headless Chromium: ${rule} ${arch}, batch ${batch}, ${steps} steps, ${rounds} rounds of threads=1 / threads=${threads}`);
  for (let i = 0; i < rounds; i++) {
    for (const param of ['1', threads]) {
      const r = await run(param);
      samples.set(r.backend, [...(samples.get(r.backend) ?? []), r.samplesPerSec]);
      console.log(`round ${i + 1} threads=${param}: ${r.backend} ${r.samplesPerSec.toFixed(0)} samples/s, browser busy on ${r.cores.toFixed(2)} cores`);
    }
    loads.push(loadavg()[0]!);
  }
  const [single, multi] = [...samples.entries()];
  for (const [backend, xs] of samples) console.log(`${backend}: median ${median(xs).toFixed(0)} samples/s (${xs.map((x) => x.toFixed(0)).join(', ')})`);
  if (single && multi) console.log(`ratio ${multi[0]} / ${single[0]}: ${(median(multi[1]) / median(single[1])).toFixed(2)}×`);
  console.log(`1-minute load average: ${loads.map((l) => l.toFixed(2)).join(' → ')} (${availableParallelism()} logical cores here)`);
} finally {
  await browser.close();
  await server.close();
}

