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
