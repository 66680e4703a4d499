import { presetDefaults, specDefaults, type PresetDefaults } from '@feedback-lab/core';
import { RULES, trainDefaults } from '@feedback-lab/rules';
import { ACTIVATION_CHOICES, MODEL_PRESETS, type DefaultsTable } from '../presets';
import { mlpSpec } from './specs';

/**
 * Each rule's training defaults for every model the page offers, as `fbl train` takes them:
 * core's preset defaults (or, for widths, `specDefaults` by the MLP's activation) with the rule's
 * own over them. Computed here because the page cannot import core without tfjs.
 */
export function defaultsTable(): DefaultsTable {
  const models: [string, PresetDefaults][] = [
    ...MODEL_PRESETS.filter((p) => !p.arch).map((p): [string, PresetDefaults] => [p.id, presetDefaults(p.depth === undefined ? p.id : `${p.id}-${p.depth}`)]),
    ...ACTIVATION_CHOICES.map((a): [string, PresetDefaults] => [`mlp-${a}`, specDefaults(mlpSpec([784, 100, 10], a))]),
  ];
  return Object.fromEntries(models.map(([key, d]) => [key, Object.fromEntries(RULES.map((r) => [r.name, trainDefaults(d, r.name)]))]));
}
