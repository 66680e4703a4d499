import * as tf from '@tensorflow/tfjs-core';
import type { Download, Page } from 'playwright-core';
import { presetDefaults, type TrainDefaults } from '@feedback-lab/core';
import { trainDefaults } from '@feedback-lab/rules';
import { afterAll, describe, expect, it } from 'vitest';
import { describeSettings } from '../src/settings';
import { OUT, useHarness } from './harness';
import { relativeDiff, withDownloadedModel } from './download';
import { readRows } from './rows';

const DEPTH = 10;
const STEPS = 60;

interface RunTrace { rule: string; arch: string; settings?: string; steps: number[]; loss: number[] }
type Hooks = { feedbackLab: { runs(): RunTrace[]; logits(p: number[]): Promise<number[]> } };

/** The form's training fields as `trainDefaults` gives them (0: no lr decay). */
const fieldsOf = (d: TrainDefaults) => ({
  optimizer: d.optimizer, lr: String(d.lr), 'lr-decay': String(d.lrDecaySteps ?? 0), batch: String(d.batchSize),
  epochs: String(d.epochs), 'feedback-scale': String(d.feedbackScale),
});

describe('web app: core presets and each rule\'s defaults (production build, headless Chromium)', () => {
  const h = useHarness();
  afterAll(() => expect(h.pageErrors).toEqual([]));
  const open = () => h.open();
  const fields = (page: Page) => page.evaluate((ids) => Object.fromEntries(ids.map((id) => [id, (document.getElementById(id) as HTMLInputElement).value])), Object.keys(fieldsOf(presetDefaults(undefined))));
  const sources = (page: Page) => page.evaluate((ids) => ids.map((id) => document.getElementById(id)!.dataset.source), Object.keys(fieldsOf(presetDefaults(undefined))));
  const runs = (page: Page) => page.evaluate(() => (window as unknown as Hooks).feedbackLab.runs());

  it(`long-fc-${DEPTH}: the form shows each rule's defaults, MEM-DFA trains, and the download (batch norm) loads in stock tfjs-layers`, async () => {
    const page = await open();
    // A relu preset: its activation shown, not the MLPs' tanh.
    await page.selectOption('#preset', 'mnist-fc');
    expect(await page.inputValue('#activation')).toBe('relu');
    expect(await page.isDisabled('#activation')).toBe(true);
    for (const rule of ['drtp', 'bp']) {
      await page.selectOption('#rule', rule);
      expect(await fields(page)).toEqual(fieldsOf(trainDefaults(presetDefaults('mnist-fc'), rule)));
    }
    // Widths: the activation picker is the user's again.
    await page.fill('#arch', '784-100-10');
    expect(await page.isDisabled('#activation')).toBe(false);
    expect(await page.isHidden('#depth-row')).toBe(true);

    await page.selectOption('#preset', 'long-fc');
    expect(await page.inputValue('#arch')).toBe('long-fc-30');
    expect(await page.inputValue('#activation')).toBe('sigmoid');
    await page.fill('#depth', String(DEPTH));
    expect(await page.inputValue('#arch')).toBe(`long-fc-${DEPTH}`);
    await page.selectOption('#rule', 'mem-dfa');
    const want = trainDefaults(presetDefaults(`long-fc-${DEPTH}`), 'mem-dfa');
    expect(await fields(page)).toEqual(fieldsOf(want));
    expect(await sources(page)).toEqual(Array(6).fill('default'));
    expect(await page.innerText('[data-testid=defaults-note]')).toBe(`long-fc-${DEPTH} defaults for mem-dfa: ${describeSettings({ rule: 'mem-dfa', ...want })}`);
    // An edited field is the user's until "Use defaults".
    await page.fill('#lr', '0.02');
    await page.selectOption('#rule', 'dfa');
    expect(await page.inputValue('#lr')).toBe('0.02');
    expect(await page.getAttribute('#lr', 'data-source')).toBe('user');
    await page.selectOption('#rule', 'mem-dfa');
    await page.click('[data-testid=use-defaults]');
    expect(await fields(page)).toEqual(fieldsOf(want));

    await page.fill('#max-steps', String(STEPS));
    await page.fill('#eval-every', String(STEPS / 2));
    await page.fill('#eval-limit', '500');
    await page.fill('#profile-every', '10');
    await page.click('[data-testid=start]');
    await page.waitForFunction(() => document.querySelector('tr[data-testid=run-row]')?.getAttribute('data-status') === 'done', null, { timeout: 300_000 });
    const [row] = await readRows(page);
    const [trace] = await runs(page);
    console.log(`long-fc-${DEPTH} mem-dfa in Chromium: ${JSON.stringify({ row, settings: trace!.settings, loss: trace!.loss.map((l) => +l.toFixed(4)) })}`);
    expect(row).toMatchObject({ status: 'done', steps: STEPS, arch: `long-fc-${DEPTH}` });
    expect(trace!.settings).toBe(describeSettings({ rule: 'mem-dfa', ...want }));
    // It learns: the last 10 steps' mean loss well under the first 5 steps', and the test accuracy
    // (batch norm on its running statistics) well above chance. In the CLI (same seed and data),
    // `fbl train --rule mem-dfa --preset long-fc-10 --limit 2560 --epochs 1` ends at 51 % after 40 steps.
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean(trace!.loss.slice(-10))).toBeLessThan(mean(trace!.loss.slice(0, 5)) - 0.3);
    expect(row!.accuracy).toBeGreaterThan(0.3);
    await page.screenshot({ path: `${OUT}/web-long-fc.png`, fullPage: true });

    // The download: batch norm in inference mode (running statistics), equal logits in stock tfjs-layers.
    const downloads: Download[] = [];
    page.on('download', (d) => downloads.push(d));
    await page.click('[data-testid=download]');
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
    await withDownloadedModel(downloads, async (loaded) => {
      expect(loaded.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(DEPTH);
      for (const pixels of [new Array<number>(784).fill(0), Array.from({ length: 784 }, (_, i) => (i % 28) / 27)]) {
        const want = await page.evaluate((p) => (window as unknown as Hooks).feedbackLab.logits(p), pixels);
        const got = tf.tidy(() => Array.from((loaded.predict(tf.tensor2d(pixels, [1, 784])) as tf.Tensor).dataSync()));
        const rel = relativeDiff(got, want);
        console.log(`long-fc-${DEPTH} download: max |Δlogit| / max(1, |logit|) = ${rel.toExponential(2)}`);
        expect(rel).toBeLessThanOrEqual(1e-5);
      }
    });
    await page.close();
  }, 420_000);

  it('the conv batch-norm presets train in the browser: long-conv-2 (MEM-DFA) and mnist-conv-bn (BP), 3 steps each', async () => {
    const page = await open();
    for (const [arch, rule] of [['long-conv-2', 'mem-dfa'], ['mnist-conv-bn', 'bp']] as const) {
      await page.fill('#arch', arch);
      await page.selectOption('#rule', rule);
      await page.fill('#max-steps', '3');
      await page.fill('#eval-every', '3');
      await page.fill('#eval-limit', '100');
      await page.click('[data-testid=start]');
      await page.waitForFunction((a) => [...document.querySelectorAll('tr[data-testid=run-row]')].some((r) => r.querySelector('td[data-k=arch]')?.getAttribute('data-value') === a && r.getAttribute('data-status') !== 'running'), arch, { timeout: 120_000 });
    }
    const rows = await readRows(page);
    expect(rows.map((r) => [r.arch, r.rule, r.status, r.steps])).toEqual([['long-conv-2', 'mem-dfa', 'done', 3], ['mnist-conv-bn', 'bp', 'done', 3]]);
    for (const r of rows) expect(Number.isFinite(r.loss)).toBe(true);
    expect(await page.innerText('[data-testid=error]')).toBe('');
    await page.close();
  });

  it('Compare runs each rule with its own defaults, and a field the user edited for every rule', async () => {
    const page = await open();
    await page.selectOption('#preset', 'mnist-fc');
    for (const box of await page.locator('#compare-rules input').all()) await box.uncheck();
    await page.check('[data-testid=compare-bp]');
    await page.check('[data-testid=compare-drtp]');
    await page.fill('#compare-steps', '3');
    await page.fill('#eval-limit', '200');
    const compare = async (runsBefore: number) => {
      await page.click('[data-testid=compare]');
      await page.waitForFunction((n) => {
        const rows = [...document.querySelectorAll('tr[data-testid=run-row]')];
        return rows.length === n && rows.every((r) => r.getAttribute('data-status') !== 'running');
      }, runsBefore + 2, { timeout: 120_000 });
      return (await runs(page)).slice(runsBefore);
    };
    const own = (rule: string, over: Partial<TrainDefaults> = {}) => describeSettings({ rule, ...trainDefaults(presetDefaults('mnist-fc'), rule), ...over });
    // the rules' defaults differ on this preset (DRTP takes a fraction of BP's step)
    expect(trainDefaults(presetDefaults('mnist-fc'), 'drtp').feedbackScale).not.toBe(trainDefaults(presetDefaults('mnist-fc'), 'bp').feedbackScale);
    const first = await compare(0);
    expect(first.map((r) => [r.rule, r.settings])).toEqual([['bp', own('bp')], ['drtp', own('drtp')]]);
    await page.fill('#lr', '0.002');
    const second = await compare(2);
    expect(second.map((r) => [r.rule, r.settings])).toEqual([['bp', own('bp', { lr: 0.002 })], ['drtp', own('drtp', { lr: 0.002 })]]);
    expect(await page.innerText('[data-testid=error]')).toBe('');
    await page.close();
  });
});
