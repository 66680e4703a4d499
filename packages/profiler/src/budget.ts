import { FblError } from '@feedback-lab/core';
import { predictMemory, type MemoryModelInput, type MemoryModelRule } from './memory-model';

/** wasm32 linear memory tops out at 4 GiB; stay well below it (malloc failure corrupts silently). */
export const WASM32_LIMIT_BYTES = 4 * 2 ** 30;
export const DEFAULT_MEMORY_BUDGET_BYTES = Math.floor(0.75 * WASM32_LIMIT_BYTES);

/**
 * Throws `MEMORY_BUDGET` before training when the predicted peak (resident + transient) of
 * `o.rule` exceeds `budget`, naming the rule among `alternatives` (the catalog) that would fit
 * with the least memory, with its feedback regenerated when that is what makes it fit. On wasm
 * an allocation beyond 4 GB does not raise: tfjs places the tensor at address 0 and memory is
 * corrupted, so the check has to happen up front.
 *
 * @example
 * checkMemoryBudget({ arch, batchSize: 128, rule: ruleByName('bp') }, 2 * 2 ** 30, RULES);
 */
export function checkMemoryBudget(o: MemoryModelInput, budget = DEFAULT_MEMORY_BUDGET_BYTES, alternatives: readonly MemoryModelRule[] = []): void {
  const need = predictMemory(o).peakBytes;
  if (need <= budget) return;
  const fits = alternatives.filter((r) => r.name !== o.rule.name)
    .flatMap((r) => {
      const as = (feedback: MemoryModelInput['feedback']) => ({ r, feedback, need: predictMemory({ ...o, rule: r, feedback }).peakBytes });
      const own = as(o.feedback);
      return own.need <= budget || r.memory.feedback === 'none' || o.feedback === 'regenerate' ? [own] : [own, as('regenerate')];
    })
    .filter((x) => x.need <= budget)
    .sort((a, b) => a.need - b.need);
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const best = fits[0];
  const hint = best
    ? `; --rule ${best.r.name} would fit (${mb(best.need)}${best.feedback === o.feedback ? '' : ', with --feedback-mode regenerate'})`
    : '; no rule fits: lower --batch-size or the widths';
  throw new FblError('MEMORY_BUDGET', `rule ${o.rule.name} needs about ${mb(need)} (predicted), over the memory budget of ${mb(budget)}${hint}`);
}

/** One rule's predicted peak at a batch, and the largest batch whose predicted peak is within a limit. */
export interface RuleFit {
  rule: string;
  /** Predicted peak bytes (resident + transient) at the batch asked about. */
  peakBytes: number;
  fits: boolean;
  /** The largest batch (≤ maxBatch) whose predicted peak is at most the limit; 0 when not even one sample fits. */
  largestBatch: number;
}

export interface RuleFitsInput extends Omit<MemoryModelInput, 'rule'> {
  rules: readonly MemoryModelRule[];
  /** Default: the wasm32 heap, 4 GiB. */
  limitBytes?: number;
  /** Where the search for the largest batch stops (default 2²⁰). */
  maxBatch?: number;
}

/**
 * The largest batch size whose predicted peak is at most `limitBytes`, by bisection (the
 * predicted peak never falls as the batch grows); 0 when one sample is already over, `maxBatch`
 * when that still fits.
 */
export function largestBatch(o: Omit<MemoryModelInput, 'batchSize'>, limitBytes = WASM32_LIMIT_BYTES, maxBatch = 2 ** 20): number {
  const fits = (b: number) => predictMemory({ ...o, batchSize: b }).peakBytes <= limitBytes;
  if (!fits(1)) return 0;
  if (fits(maxBatch)) return maxBatch;
  let [lo, hi] = [1, maxBatch]; // fits(lo), !fits(hi)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Each rule's predicted peak at `batchSize` against a limit, and the largest batch it fits: what
 * a page shows before a run (pure and cheap: linear in depth per prediction, ~20 per rule).
 *
 * @example
 * ruleFits({ spec: presetSpec('long-fc-100', { inputShape: [784], numClasses: 10 }), batchSize: 8192, rules: RULES });
 */
export function ruleFits(o: RuleFitsInput): RuleFit[] {
  const { rules, limitBytes = WASM32_LIMIT_BYTES, maxBatch, ...input } = o;
  return rules.map((rule) => {
    const peakBytes = predictMemory({ ...input, rule }).peakBytes;
    return { rule: rule.name, peakBytes, fits: peakBytes <= limitBytes, largestBatch: largestBatch({ ...input, rule }, limitBytes, maxBatch) };
  });
}
