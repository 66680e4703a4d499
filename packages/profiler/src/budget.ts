import { FblError } from '@feedback-lab/core';
import { MODELLED_RULES, isModelled, predictMemory, type MemoryModelInput } from './memory-model';

/** wasm32 linear memory tops out at 4 GiB; stay well below it (malloc failure corrupts silently). */
export const WASM32_LIMIT_BYTES = 4 * 2 ** 30;
export const DEFAULT_MEMORY_BUDGET_BYTES = Math.floor(0.75 * WASM32_LIMIT_BYTES);

/**
 * Throws `MEMORY_BUDGET` before training when the predicted peak (resident + transient) of
 * `o.rule` exceeds `budget`, naming the modelled rules that would fit. On wasm an allocation
 * beyond 4 GB does not raise: tfjs places the tensor at address 0 and memory is corrupted, so
 * the check has to happen up front.
 *
 * @example
 * checkMemoryBudget({ arch, batchSize: 128, rule: 'bp' }, 2 * 2 ** 30);
 */
export function checkMemoryBudget(o: MemoryModelInput, budget = DEFAULT_MEMORY_BUDGET_BYTES): void {
  if (!isModelled(o.rule)) return;
  const need = predictMemory(o).peakBytes;
  if (need <= budget) return;
  const fits = MODELLED_RULES.filter((r) => r !== o.rule)
    .map((r) => ({ r, need: predictMemory({ ...o, rule: r, feedback: r === 'mem-dfa' ? 'regenerate' : o.feedback }).peakBytes }))
    .filter((x) => x.need <= budget)
    .sort((a, b) => a.need - b.need);
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const hint = fits.length
    ? `; --rule ${fits[0]!.r} would fit (${mb(fits[0]!.need)})`
    : '; no rule fits: lower --batch-size or the widths';
  throw new FblError('MEMORY_BUDGET', `rule ${o.rule} needs about ${mb(need)} (predicted), over the memory budget of ${mb(budget)}${hint}`);
}
