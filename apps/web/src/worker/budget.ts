import { DEFAULT_MEMORY_BUDGET_BYTES, predictMemory, ruleFits, WASM32_LIMIT_BYTES, type MemoryModelInput } from '@feedback-lab/profiler';
import { RULES, ruleByName } from '@feedback-lab/rules';
import { parsePreset } from '../presets';
import type { BudgetReport, RunConfig } from '../protocol';
import { runSpec } from './specs';

/**
 * What the wasm backend can address: tfjs-backend-wasm 4.22's module grows its heap up to
 * 4 GiB − 64 KiB (wasm32), in the threaded build and the single-threaded one alike. Past it
 * `malloc` returns 0 and tfjs writes the tensor at address 0: memory is corrupted, not refused.
 */
export const HEAP_LIMIT_BYTES = WASM32_LIMIT_BYTES - 2 ** 16;

/**
 * Runs whose predicted peak passes this are refused before anything is allocated: three
 * quarters of the heap, as `fbl train --memory-budget` by default. The rest is for what the
 * engine's tensors do not show: XNNPACK's packed weights and caches, allocator fragmentation.
 */
export const HEAP_BUDGET_BYTES = DEFAULT_MEMORY_BUDGET_BYTES;

/** Depths the depth curve samples (all within the presets' 1–1000), and batches of the batch curve. */
const DEPTHS = [1, 2, 5, 10, 20, 30, 50, 100, 150, 200, 300, 500, 700, 1000];
const BATCHES = Array.from({ length: 17 }, (_, i) => 2 ** i); // 1 … 65 536

type Model = Pick<MemoryModelInput, 'spec' | 'optimizer' | 'feedback'>;

/** The model of run `c` as the worker builds it: CIFAR-10 images are 32×32×3, the MNISTs flat 784. */
const modelOf = (c: RunConfig): Model => ({
  spec: runSpec(c, { inputShape: c.dataset === 'cifar10' ? [32, 32, 3] : [784], numClasses: 10 }),
  optimizer: c.optimizer,
});

/**
 * Every catalogued rule's predicted peak for the run `c` against the heap budget, the largest
 * batch each fits, and the curves the page plots: predicted peak against depth (depth presets:
 * long-fc-L, long-conv-L, deep-mlp-L) and against batch, per rule.
 * `heldBytes` is what the engine already holds (datasets, the last model): it comes off the budget.
 */
export function budgetReport(c: RunConfig, heldBytes = 0): BudgetReport {
  const budgetBytes = Math.max(0, HEAP_BUDGET_BYTES - heldBytes);
  const model = modelOf(c);
  const rows = ruleFits({ ...model, batchSize: c.batchSize, rules: RULES, limitBytes: budgetBytes, maxBatch: 2 ** 20 });
  const peaks = (configFor: (x: number) => RunConfig, xs: readonly number[]) => {
    const points = xs.map((x) => ({ model: modelOf(configFor(x)), batchSize: configFor(x).batchSize })); // one spec per point
    return Object.fromEntries(RULES.map((r) => [r.name, points.map((p) => predictMemory({ ...p.model, batchSize: p.batchSize, rule: r }).peakBytes)]));
  };
  const named = c.preset ? parsePreset(c.preset) : undefined;
  const depthPreset = named && !('error' in named) && named.depth !== undefined ? named : undefined;
  return {
    limitBytes: HEAP_LIMIT_BYTES,
    budgetBytes,
    heldBytes,
    rule: c.rule,
    batchSize: c.batchSize,
    model: c.preset ?? c.arch.join('-'),
    rows,
    byBatch: { x: BATCHES, peaks: peaks((b) => ({ ...c, batchSize: b }), BATCHES) },
    ...(depthPreset ? { byDepth: { x: DEPTHS, peaks: peaks((d) => ({ ...c, preset: `${depthPreset.preset.id}-${d}` }), DEPTHS) } } : {}),
  };
}

/** `1234 MiB` */
const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;

/**
 * Why the run `c` may not start on the wasm backend, or undefined when its predicted peak fits
 * the heap budget: the numbers, and the rules that would fit (least memory first).
 */
export function budgetRefusal(c: RunConfig, heldBytes = 0): string | undefined {
  const budget = Math.max(0, HEAP_BUDGET_BYTES - heldBytes);
  const model = modelOf(c);
  const need = predictMemory({ ...model, batchSize: c.batchSize, rule: ruleByName(c.rule) }).peakBytes;
  if (need <= budget) return undefined;
  const fits = RULES.filter((r) => r.name !== c.rule)
    .map((r) => ({ name: r.name, need: predictMemory({ ...model, batchSize: c.batchSize, rule: r }).peakBytes }))
    .filter((r) => r.need <= budget)
    .sort((a, b) => a.need - b.need);
  const largest = ruleFits({ ...model, batchSize: c.batchSize, rules: [ruleByName(c.rule)], limitBytes: budget })[0]!.largestBatch;
  const held = heldBytes > 0 ? ` (${mib(HEAP_BUDGET_BYTES)} less ${mib(heldBytes)} already held)` : '';
  return `${c.rule} refused before allocating: ${c.preset ?? c.arch.join('-')} at batch ${c.batchSize} needs about ${mib(need)} (predicted), `
    + `over the ${mib(budget)} budget${held} of the browser's ${mib(HEAP_LIMIT_BYTES)} wasm heap; `
    + (fits.length ? `${fits.map((r) => `${r.name} (${mib(r.need)})`).join(', ')} would fit` : 'no rule fits')
    + (largest > 0 ? `, or ${c.rule} at batch ≤ ${largest}` : '');
}
