import * as tf from '@tensorflow/tfjs-core';
import type { Download, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { RULE_NAMES } from '@feedback-lab/rules';
import { OUT, useHarness } from './harness';
import { relativeDiff, withDownloadedModel } from './download';
import { readRows, type Row } from './rows';
import { serveBuild } from './server';

const DEEP = `784-${'256-'.repeat(8)}10`;
const STEPS = 30;
// The depth assertion needs MEM-DFA; it switches on by itself once 'mem-dfa' is in the rule catalog (@feedback-lab/rules).
const HAS_MEM_DFA = (RULE_NAMES as readonly string[]).includes('mem-dfa');

/**
 * `n` records in CIFAR-10's binary layout (label byte, then 1024 R, 1024 G, 1024 B), seeded: the
 * red plane's brightness follows the label, the rest is noise.
 */
function cifarFixture(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n * 3073);
  let s = seed;
  const rand = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) % 256;
  for (let i = 0; i < n; i++) {
    const label = (i + seed) % 10;
    b[i * 3073] = label;
    for (let p = 0; p < 3072; p++) b[i * 3073 + 1 + p] = p < 1024 ? 20 + label * 23 : rand();
  }
  return b;
}

describe('web app (production build, headless Chromium)', () => {
  const h = useHarness();
  let compared: Row[] = [];
  /** The app at `url` (the isolated server's by default), with `query` such as `?threads=1`. */
  const open = (query = '', url?: string) => h.open(query, url ? { url } : {});

  async function setForm(page: Page, values: Record<string, string>): Promise<void> {
    for (const [id, v] of Object.entries(values)) {
      if (await page.locator(`select#${id}`).count()) await page.selectOption(`#${id}`, v);
      else await page.fill(`#${id}`, v);
    }
  }

  async function waitDone(page: Page, runs: number, timeout: number): Promise<void> {
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll('tr[data-testid=run-row]')];
      return rows.length === n && rows.every((r) => r.getAttribute('data-status') !== 'running');
    }, runs, { timeout });
  }

  it('compares the rules on a deep MLP on wasm: accuracy and memory figures appear and change', async () => {
    const page = await open();
    expect(await readRows(page)).toEqual([]);
    // Served with COOP/COEP, wasm runs on every logical core by default.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.locator('[data-testid=wasm-threads]').getAttribute('data-threads')).toBe(String(cores));
    await setForm(page, {
      backend: 'wasm', arch: DEEP, activation: 'tanh', optimizer: 'momentum', lr: '0.05', batch: '64',
      'eval-every': '10', 'eval-limit': '500', 'profile-every': '5', 'compare-steps': String(STEPS),
    });
    await page.click('[data-testid=compare]');
    await waitDone(page, RULE_NAMES.length, 120_000);
    compared = await readRows(page);
    console.log('compare (wasm):', JSON.stringify(compared));
    expect(await page.locator('[data-testid=error]').innerText()).toBe('');
    expect(compared.map((r) => r.rule)).toEqual(RULE_NAMES);
    for (const r of compared) {
      expect(r).toMatchObject({ status: 'done', steps: STEPS, arch: DEEP });
      expect(r.backend).toBe(cores > 1 ? `wasm (SIMD, ${cores} threads)` : 'wasm (SIMD)');
      // Learned something in 30 steps. DRTP is exempt: its signal B·y* does not shrink as the
      // error does, and at this learning rate (0.05) the 8 hidden tanh layers saturate and stay
      // at chance. In the CLI, 4 hidden layers at lr 0.01 do the same; at lr 0.001 they learn.
      // KP learns its feedback while it trains: here (each rule's own feedback, the form's lr 0.05)
      // it went 14.8 % → 23.0 % in 30 steps where FA reached 59.6 %, and 14.8 % → 19.6 % once tanh
      // became one SIMD pass (a rational fit; 2σ(2a) − 1 was up to 0.7 % off near 0), so it is held
      // to +3 points (one binomial standard deviation on these 500 samples is ~1.7 points).
      if (r.rule !== 'drtp') expect(r.accuracy).toBeGreaterThan(r.firstAccuracy + (r.rule === 'kp' ? 0.03 : 0.1));
      expect(r.samplesPerSec).toBeGreaterThan(0);
      expect(r.memRecords).toBeGreaterThanOrEqual(STEPS / 5); // steps 0, 5, …, 25
      // Momentum slots appear after step 0, so the resident bytes must change.
      expect(r.residentBytes).toBeGreaterThan(r.firstResidentBytes);
      expect(r.residentBytes).toBeGreaterThan(r.paramBytes);
      expect(r.peakTransientBytes).toBeGreaterThan(0);
      expect(r.peakBytes).toBeGreaterThan(r.residentBytes);
    }
    // The last run's model answers the drawing pad: draw a "1" and expect a digit back.
    await page.locator('#pad').scrollIntoViewIfNeeded(); // below the memory budget panel
    const pad = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * 0.15);
    await page.mouse.down();
    await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * 0.85, { steps: 10 });
    await page.mouse.up();
    await expect.poll(() => page.locator('[data-testid=prediction]').innerText()).toMatch(/^[0-9]$/);
    expect(await page.locator('#probs .bar').count()).toBe(10);
    await page.screenshot({ path: `${OUT}/web-compare.png`, fullPage: true });
    await page.close();
  });

  it.runIf(HAS_MEM_DFA)('MEM-DFA reports less peak transient memory than BP on the deep MLP', () => {
    const peak = (rule: string) => compared.find((r) => r.rule === rule)!.peakTransientBytes;
    expect(peak('mem-dfa')).toBeLessThan(peak('bp'));
  });

  it('trains on 2 wasm threads to the same loss, accuracy and logits as on 1 thread', async () => {
    const ramp = Array.from({ length: 784 }, (_, i) => (i % 28) / 27);
    const train = async (threads: number) => {
      const page = await open(`?threads=${threads}`);
      expect(await page.locator('[data-testid=wasm-threads]').getAttribute('data-threads')).toBe(String(threads));
      await setForm(page, { backend: 'wasm', rule: 'bp', arch: '784-256-256-10', activation: 'tanh', optimizer: 'momentum', lr: '0.05', batch: '64', 'max-steps': '8', 'eval-every': '8', 'eval-limit': '300', 'profile-every': '100' });
      await page.click('[data-testid=start]');
      await waitDone(page, 1, 60_000);
      const [row] = await readRows(page);
      const logits = await page.evaluate((p) => (window as unknown as { feedbackLab: { logits(p: number[]): Promise<number[]> } }).feedbackLab.logits(p), ramp);
      await page.close();
      return { row: row!, logits };
    };
    const one = await train(1);
    const two = await train(2);
    console.log('1 vs 2 wasm threads:', JSON.stringify({ one: one.row, two: two.row }));
    expect(one.row).toMatchObject({ status: 'done', steps: 8, backend: 'wasm (SIMD)' });
    expect(two.row).toMatchObject({ status: 'done', steps: 8, backend: 'wasm (SIMD, 2 threads)' });
    expect(Math.abs(two.row.loss - one.row.loss)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(one.row.loss)));
    expect(two.row.accuracy).toBe(one.row.accuracy);
    const scale = Math.max(1, ...one.logits.map(Math.abs));
    const rel = Math.max(...two.logits.map((g, i) => Math.abs(g - one.logits[i]!))) / scale;
    console.log(`1 vs 2 threads: max |Δlogit| / max(1, |logit|) = ${rel.toExponential(2)}`);
    expect(rel).toBeLessThanOrEqual(1e-5);
  });

  it('falls back to one wasm thread with a one-line notice where the host sends no COOP/COEP', async () => {
    const plain = await serveBuild({ isolated: false });
    try {
      const page = await open('?threads=2', plain.url);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      const note = page.locator('[data-testid=wasm-threads]');
      expect(await note.getAttribute('data-threads')).toBe('1');
      expect(await note.innerText()).toBe('wasm threads: 2 asked for, but the page is not cross-origin isolated (serve it with COOP/COEP headers); using one thread');
      await setForm(page, { backend: 'wasm', rule: 'bp', arch: '784-64-10', 'max-steps': '2', 'eval-every': '2', 'eval-limit': '200', 'profile-every': '2' });
      await page.click('[data-testid=start]');
      await waitDone(page, 1, 60_000);
      expect(await readRows(page)).toMatchObject([{ status: 'done', steps: 2, backend: 'wasm (SIMD)' }]);
      expect(await page.locator('[data-testid=error]').innerText()).toBe('');
      await page.close();
    } finally {
      await plain.close();
    }
  });

  it('falls back to one wasm thread with a notice when the threaded backend fails to start', async () => {
    // Not open(): the pthread workers' own load errors reach Playwright as page errors.
    const page = await h.browser.newPage();
    // a host that does not serve the pthreads' module file
    await page.route(/\/tfjs-backend-wasm-threaded-simd-[^/]*\.js$/, (r) => r.fulfill({ status: 404, body: '' }));
    await page.goto(`${h.server.url}?threads=2`);
    await page.waitForSelector('#status[data-ready=true]', { timeout: 30_000 });
    const note = page.locator('[data-testid=wasm-threads]');
    expect(await note.getAttribute('data-threads')).toBe('1');
    expect(await note.innerText()).toMatch(/^wasm threads: could not start 2 \(.*importScripts.*\); using one thread$/);
    await setForm(page, { backend: 'wasm', rule: 'bp', arch: '784-64-10', 'max-steps': '2', 'eval-every': '2', 'eval-limit': '200', 'profile-every': '2' });
    await page.click('[data-testid=start]');
    await waitDone(page, 1, 60_000);
    expect(await readRows(page)).toMatchObject([{ status: 'done', steps: 2, backend: 'wasm (SIMD)' }]);
    expect(await page.locator('[data-testid=error]').innerText()).toBe('');
    await page.close();
  });

  it('trains one batch on webgl (SwiftShader in headless Chromium)', async () => {
    const page = await open();
    const option = page.locator('#backend option[value=webgl]');
    expect(await option.getAttribute('disabled'), `webgl unavailable: ${await option.getAttribute('title')}`).toBeNull();
    await setForm(page, { backend: 'webgl', rule: 'bp', arch: '784-128-10', 'max-steps': '1', 'eval-every': '1', 'eval-limit': '500', 'profile-every': '1' });
    await page.click('[data-testid=start]');
    await waitDone(page, 1, 60_000);
    const [r] = await readRows(page);
    console.log('one batch (webgl):', JSON.stringify(r));
    expect(r).toMatchObject({ status: 'done', steps: 1, backend: 'webgl' });
    expect(Number.isFinite(r!.loss)).toBe(true);
    expect(r!.peakBytes).toBeGreaterThan(0);
    await page.close();
  });

  it('trains the mnist-conv preset (a CNN) on wasm from gzipped MNIST: it learns in 30 steps', async () => {
    const page = await open();
    await setForm(page, { preset: 'mnist-conv', backend: 'wasm', rule: 'bp', optimizer: 'momentum', lr: '0.05', batch: '64', 'max-steps': '30', 'eval-every': '10', 'eval-limit': '500', 'profile-every': '10' });
    expect(await page.inputValue('#arch')).toBe('mnist-conv');
    await page.click('[data-testid=start]');
    await waitDone(page, 1, 180_000);
    const [r] = await readRows(page);
    console.log('mnist-conv (wasm):', JSON.stringify(r));
    expect(r).toMatchObject({ status: 'done', steps: 30, arch: 'mnist-conv' });
    expect(r!.accuracy).toBeGreaterThan(r!.firstAccuracy + 0.1);
    await page.close();
  });

  it('trains on Fashion-MNIST (gzipped IDX in datasets\' split): accuracy well above chance in 40 steps', async () => {
    const page = await open();
    const fetched: string[] = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await setForm(page, { dataset: 'fashion-mnist', backend: 'wasm', rule: 'bp', arch: '784-128-10', activation: 'tanh', optimizer: 'momentum', lr: '0.05', batch: '64', 'max-steps': '40', 'eval-every': '20', 'eval-limit': '500', 'profile-every': '20' });
    await page.click('[data-testid=start]');
    await waitDone(page, 1, 90_000);
    const [r] = await readRows(page);
    console.log('fashion-mnist (wasm):', JSON.stringify(r));
    expect(fetched.filter((p) => p.endsWith('.gz')).sort()).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte'].map((f) => `/fashion-mnist/${f}.gz`));
    expect(r).toMatchObject({ status: 'done', steps: 40 });
    expect(r!.accuracy).toBeGreaterThan(0.4); // 10 classes: chance is 0.1
    expect(r!.accuracy).toBeGreaterThan(r!.firstAccuracy + 0.2);
    await page.close();
  });

  it('takes CIFAR-10 batch files in the official format and trains the cifar-conv preset on them; names a wrong file', async () => {
    const page = await open();
    await setForm(page, { dataset: 'cifar10' });
    expect(await page.locator('#preset option[value=cifar-conv]').isDisabled()).toBe(true);
    await page.setInputFiles('[data-testid=cifar-files]', [{ name: 'test_batch.bin', mimeType: 'application/octet-stream', buffer: cifarFixture(5, 1) }, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') }]);
    await expect.poll(() => page.locator('[data-testid=error]').innerText()).toMatch(/^notes\.txt is not a CIFAR-10 binary batch/);
    await page.setInputFiles('[data-testid=cifar-files]', [
      { name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: cifarFixture(320, 2) },
      { name: 'data_batch_2.bin', mimeType: 'application/octet-stream', buffer: cifarFixture(320, 3) },
      { name: 'test_batch.bin', mimeType: 'application/octet-stream', buffer: cifarFixture(100, 4) },
    ]);
    await expect.poll(() => page.locator('[data-testid=cifar-status]').innerText()).toBe('cifar10: 640 train / 100 test images');
    await setForm(page, { preset: 'cifar-conv', backend: 'wasm', rule: 'dfa', batch: '32', 'max-steps': '4', 'eval-every': '4', 'eval-limit': '100', 'profile-every': '4' });
    await page.click('[data-testid=start]');
    await waitDone(page, 1, 120_000);
    const [r] = await readRows(page);
    console.log('cifar-conv on the CIFAR-10 fixture (wasm):', JSON.stringify(r));
    expect(await page.locator('[data-testid=error]').innerText()).toBe('');
    expect(r).toMatchObject({ status: 'done', steps: 4, arch: 'cifar-conv' });
    expect(Number.isFinite(r!.loss)).toBe(true);
    await page.close();
  });

  it('downloads the trained model as model.json + weights.bin that stock tf.loadLayersModel reads, with the same logits', async () => {
    const page = await open();
    expect(await page.isDisabled('[data-testid=download]')).toBe(true);
    await setForm(page, { backend: 'wasm', rule: 'fa', arch: '784-64-10', activation: 'tanh', 'max-steps': '10', 'eval-every': '10', 'eval-limit': '200', 'profile-every': '10' });
    await page.click('[data-testid=start]');
    await waitDone(page, 1, 60_000);
    const downloads: Download[] = [];
    page.on('download', (d) => downloads.push(d));
    await page.click('[data-testid=download]');
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
    expect(downloads.map((d) => d.suggestedFilename()).sort()).toEqual(['model.json', 'weights.bin']);
    await withDownloadedModel(downloads, async (loaded) => {
      // Fixed inputs: a blank image, a bright one and a ramp; the app answers through its console hook.
      const inputs = [new Array<number>(784).fill(0), new Array<number>(784).fill(1), Array.from({ length: 784 }, (_, i) => (i % 28) / 27)];
      for (const pixels of inputs) {
        const want = await page.evaluate((p) => (window as unknown as { feedbackLab: { logits(p: number[]): Promise<number[]> } }).feedbackLab.logits(p), pixels);
        const got = tf.tidy(() => Array.from((loaded.predict(tf.tensor2d(pixels, [1, 784])) as tf.Tensor).dataSync()));
        expect(got).toHaveLength(10);
        const rel = relativeDiff(got, want);
        console.log(`download: max |Δlogit| / max(1, |logit|) = ${rel.toExponential(2)}`);
        expect(rel).toBeLessThanOrEqual(1e-5);
      }
    });
    await page.close();
  });

  it('pauses, resumes and resets a run while the page stays responsive', async () => {
    const page = await open();
    await setForm(page, { backend: 'wasm', rule: 'bp', arch: '784-64-10', 'max-steps': '0', 'eval-every': '50', 'profile-every': '50' });
    await page.click('[data-testid=start]');
    const steps = async () => (await readRows(page))[0]?.steps ?? 0;
    await expect.poll(steps, { timeout: 30_000 }).toBeGreaterThan(5);
    await page.click('[data-testid=pause]');
    await page.waitForTimeout(300); // let the step in flight finish
    const paused = await steps();
    await page.waitForTimeout(700);
    expect(await steps()).toBe(paused);
    expect(await page.locator('#pause').innerText()).toBe('Resume');
    await page.click('[data-testid=pause]');
    await expect.poll(steps, { timeout: 30_000 }).toBeGreaterThan(paused);
    await page.click('[data-testid=reset]');
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') === 'idle', undefined, { timeout: 30_000 });
    expect(await readRows(page)).toEqual([]);
    await page.close();
  });

  it('raised no page errors', () => {
    expect(h.pageErrors).toEqual([]);
  });
});
