import type { PresetDefaults, TrainDefaults } from '@feedback-lab/core';
import { RULES } from './catalog';

/**
 * The defaults `rule` trains with on a preset: the preset's rule-independent defaults
 * (`presetDefaults(name)` or `specDefaults(spec)` from @feedback-lab/core), with the rule's own
 * for the preset's kind over them (its descriptor's `defaults`). A rule with none for that kind,
 * or outside the catalog, trains with the preset's.
 *
 * @example
 * trainDefaults(presetDefaults('cifar-conv'), 'dfa'); // feedbackScale 0.3, lrDecaySteps 300, …
 */
export function trainDefaults(preset: PresetDefaults, rule: string): TrainDefaults {
  const { kind, ...d } = preset;
  return { ...d, ...RULES.find((r) => r.name === rule)?.defaults?.[kind] };
}
