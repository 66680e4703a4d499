import { describe, expect, it } from 'vitest';
import { relativeDiff } from './download';
import { useHarness } from './harness';
import { readRows } from './rows';

const STEPS = 8;
type Hooks = { feedbackLab: { logits(p: number[]): Promise<number[]> } };

describe("wasm-gemm's matrix products in the browser against XNNPACK's (production build, headless Chromium)", () => {
  const h = useHarness();

  /** Trains the same BP model for STEPS steps on the page at `query`; its kernel, speed and logits for a ramp image. */
  async function train(query: string, model: 'mlp' | 'mnist-conv'): Promise<{ gemm: string | null; logits: number[]; samplesPerSec: number }> {
    const page = await h.open(query);
    const gemm = await page.getAttribute('[data-testid=wasm-gemm]', 'data-gemm');
    if (model === 'mlp') await page.fill('[data-testid=arch]', '784-256-256-10');
    else await page.selectOption('#preset', model);
    await page.selectOption('#rule', 'bp');
    for (const [id, v] of [['max-steps', STEPS], ['eval-every', 1000], ['eval-limit', 100], ['profile-every', 1000]] as const) await page.fill(`#${id}`, String(v));
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=status][data-state=idle]', { timeout: 120_000 });
    const [row] = await readRows(page);
    expect(row).toMatchObject({ status: 'done', steps: STEPS });
    const ramp = Array.from({ length: 784 }, (_, i) => (i % 28) / 27);
    const logits = await page.evaluate((p) => (window as unknown as Hooks).feedbackLab.logits(p), ramp);
    await page.close();
    return { gemm, logits, samplesPerSec: row!.samplesPerSec };
  }

  it.each([['mlp', 'BP 784-256-256-10'], ['mnist-conv', 'BP mnist-conv (its convolutions too)']] as const)(
    `%s: trains to the same logits (≤ 1e-5 relative) with either kernel after ${STEPS} steps`, async (model, label) => {
      const ours = await train('', model);
      const xnnpack = await train('?gemm=off', model);
      // Chrome ≥ 114 validates relaxed SIMD: the fused multiply-add kernel runs
      expect(ours.gemm).toBe('relaxed');
      expect(xnnpack.gemm).toBe('xnnpack');
      const diff = relativeDiff(ours.logits, xnnpack.logits);
      console.log(`${label}, batch 64, ${STEPS} steps: logits differ by ${diff.toExponential(2)} relative; samples/s wasm-gemm ${ours.samplesPerSec.toFixed(0)}, XNNPACK ${xnnpack.samplesPerSec.toFixed(0)}`);
      expect(diff).toBeLessThanOrEqual(1e-5);
      expect(diff).toBeGreaterThan(0); // two kernels really ran: FMA rounds differently
      expect(h.pageErrors).toEqual([]);
    });
});
