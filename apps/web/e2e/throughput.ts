// Samples/s seen in the browser per backend and rule: the production build in headless
// Chromium, median over steps (step 0 is profiled and slower; the median ignores it).
// wasm runs twice: with feedback-lab's wasm-gemm products (the default) and with XNNPACK's (?gemm=off).
// Usage: pnpm --filter @feedback-lab/web bench:browser  [FBL_BENCH_ARCH=784-800-800-10 FBL_BENCH_STEPS=60 FBL_BENCH_GEMM=on,off]
import { launchChromium } from './browser';
import { readRows } from './rows';
import { serveBuild } from './server';

const arch = process.env.FBL_BENCH_ARCH ?? '784-800-800-10';
const steps = Number(process.env.FBL_BENCH_STEPS ?? 60);
const batch = process.env.FBL_BENCH_BATCH ?? '64';
const rules = (process.env.FBL_BENCH_RULES ?? 'bp,mem-dfa').split(',');
const backends = (process.env.FBL_BENCH_BACKENDS ?? 'wasm,webgl,webgpu').split(',');
const gemms = (process.env.FBL_BENCH_GEMM ?? 'on,off').split(',');

const server = await serveBuild();
const browser = await launchChromium({ webgpu: backends.includes('webgpu') });
try {
  const runs: [string, string][] = backends.flatMap((b): [string, string][] => (b === 'wasm' ? gemms.map((g): [string, string] => [b, g]) : [[b, '']]));
  for (const [backend, gemm] of runs) {
    const page = await browser.newPage();
    await page.goto(gemm ? `${server.url}?gemm=${gemm}` : server.url);
    await page.waitForSelector('#status[data-ready=true]', { timeout: 60_000 });
    const products = gemm ? ` (products: ${await page.getAttribute('[data-testid=wasm-gemm]', 'data-gemm')})` : '';
    const option = page.locator(`#backend option[value=${backend}]`);
    if (await option.getAttribute('disabled') !== null) {
      console.log(`${backend}: unavailable (${await option.getAttribute('title')})`);
      await page.close();
      continue;
    }
    for (const rule of rules) {
      await page.click('[data-testid=reset]');
      await page.selectOption('#backend', backend);
      await page.selectOption('#rule', rule);
      await page.fill('#arch', arch);
      await page.fill('#batch', batch);
      const n = backend === 'wasm' ? steps : Math.max(5, Math.round(steps / 4));
      for (const [id, v] of [['max-steps', n], ['eval-every', 100_000], ['profile-every', 100_000], ['eval-limit', 500]] as const) await page.fill(`#${id}`, String(v));
      await page.click('[data-testid=start]');
      await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') === 'idle', undefined, { timeout: 300_000 });
      const [row] = await readRows(page);
      console.log(`${backend}${products} ${rule} ${arch} batch ${batch}: ${row?.samplesPerSec.toFixed(0)} samples/s (median of ${row?.steps} steps, status ${row?.status})`);
    }
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
