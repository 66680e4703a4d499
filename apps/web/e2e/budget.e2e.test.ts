import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUT, useHarness } from './harness';

/**
 * The demo: the authors' long-fc with 100 blocks (dense 500, batch norm, sigmoid) on MNIST at
 * batch 3072. BP keeps every block's activations for its backward pass (about 4.5 GiB predicted,
 * past the 4 GiB wasm32 heap itself); MEM-DFA keeps one block at a time (about 0.27 GiB), for one
 * more forward pass.
 */
const MODEL = 'long-fc-100';
const BATCH = 3072;
const STEPS = Number(process.env.FBL_DEMO_STEPS ?? 4);
const GiB = 2 ** 30;

interface BudgetRow { rule: string; fits: boolean; peak: string }
interface RunLoss { rule: string; steps: number[]; loss: number[] }

describe('memory budget in the browser: MEM-DFA trains what BP cannot fit (production build, headless Chromium)', () => {
  const h = useHarness();
  let page: Page;
  let bpPeakBytes = 0;

  beforeAll(async () => {
    page = await h.open('', { height: 1400 });
  });

  const budgetRows = () => page.$$eval('[data-testid=budget-table] tbody tr', (trs) => trs.map((tr) => ({
    rule: tr.getAttribute('data-rule') ?? '', fits: tr.getAttribute('data-fits') === 'true', peak: tr.children[1]?.textContent ?? '',
  }))) as Promise<BudgetRow[]>;
  const runs = () => page.evaluate('window.feedbackLab.runs()') as Promise<RunLoss[]>;

  it('shows every rule against the heap before a run: BP over it, MEM-DFA flat in depth and far below', async () => {
    await page.fill('[data-testid=arch]', MODEL);
    await page.fill('#batch', String(BATCH));
    await page.fill('#max-steps', String(STEPS));
    await page.fill('#eval-every', '1000');
    await page.fill('#eval-limit', '100');
    await page.fill('#profile-every', '1000');
    await page.selectOption('#rule', 'bp');
    await page.waitForFunction(`document.getElementById('budget-note')?.textContent.includes('${MODEL} at batch ${BATCH}')`, undefined, { timeout: 30_000 });
    const rows = await budgetRows();
    const byRule = new Map(rows.map((r) => [r.rule, r]));
    expect(byRule.get('bp')?.fits).toBe(false);
    expect(byRule.get('mem-dfa')?.fits).toBe(true);
    expect(rows.length).toBeGreaterThanOrEqual(6);
    // BP's predicted peak is past the heap itself, not only past the budget
    expect(byRule.get('bp')!.peak).toMatch(/GiB/);
    bpPeakBytes = Number.parseFloat(byRule.get('bp')!.peak) * GiB;
    expect(bpPeakBytes).toBeGreaterThan(4 * GiB);
    expect(await page.isVisible('#chart-budget-depth')).toBe(true);
    await page.screenshot({ path: join(OUT, 'budget.png'), fullPage: true });
  });

  it('refuses BP before it allocates, with the numbers and the rules that fit; the tab lives on', async () => {
    await page.click('[data-testid=start]');
    await page.waitForFunction(`document.querySelector('[data-testid=error]')?.textContent.includes('bp refused before allocating')`, undefined, { timeout: 60_000 });
    const error = await page.textContent('[data-testid=error]');
    expect(error).toMatch(new RegExp(`${MODEL} at batch ${BATCH} needs about \\d+ MiB \\(predicted\\), over the \\d+ MiB budget`));
    expect(error).toMatch(/mem-dfa \(\d+ MiB\)/);
    expect(error).toMatch(/or bp at batch ≤ \d+/);
    await page.waitForSelector('[data-testid=status][data-state=idle]');
    expect((await runs()).filter((r) => r.rule === 'bp')).toHaveLength(0);
    expect(h.pageErrors).toEqual([]);
  });

  it(`trains MEM-DFA on the same model and batch: the loss falls over ${STEPS} steps and the wasm heap stays under the limit`, async () => {
    await page.selectOption('#rule', 'mem-dfa');
    await page.click('[data-testid=start]');
    await page.waitForFunction(`window.feedbackLab.runs().some((r) => r.rule === 'mem-dfa' && r.steps.length >= ${STEPS})`, undefined, { timeout: 900_000, polling: 1000 });
    await page.waitForSelector('[data-testid=status][data-state=idle]', { timeout: 120_000 });
    const run = (await runs()).find((r) => r.rule === 'mem-dfa')!;
    console.log(`mem-dfa on ${MODEL} batch ${BATCH}: loss per step ${run.loss.map((l) => l.toFixed(4)).join(' ')}`);
    expect(run.loss.every(Number.isFinite)).toBe(true);
    // seeded, so the same numbers every time (and the same as Node's): every step lower than the last
    expect(run.loss.every((l, i) => i === 0 || l < run.loss[i - 1]!)).toBe(true);
    const heap = Number(await page.getAttribute('[data-testid=heap]', 'data-bytes'));
    console.log(`wasm heap after MEM-DFA's steps: ${(heap / 2 ** 20).toFixed(0)} MiB`);
    expect(heap).toBeGreaterThan(0);
    expect(heap).toBeLessThan(4 * GiB);
    // the heap holds MEM-DFA's whole run, data included, in a fraction of what BP alone would need
    expect(heap).toBeLessThan(bpPeakBytes / 4);
    expect(await page.textContent('[data-testid=error]')).toBe('');
    expect(h.pageErrors).toEqual([]);
    await page.screenshot({ path: join(OUT, 'mem-dfa-demo.png'), fullPage: true });
    // the part the README shows: the form, the budget table and curves, the loss
    await page.screenshot({ path: join(OUT, 'budget-demo.png'), clip: { x: 0, y: 0, width: 1400, height: 1060 } });
  }, 1_200_000);
});
