import { listPresets, type PresetDefaults, type RuleDefaults } from '@feedback-lab/core';
import { RULES } from '@feedback-lab/rules';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import type { Io } from '../io';

export const PRESETS_OPTIONS = {
  json: { kind: 'boolean', help: 'print the list as JSON' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

/** The catalogued rules' own defaults for a preset's kind, by rule (catalog order). */
function ruleDefaults(d: PresetDefaults): Record<string, RuleDefaults> {
  return Object.fromEntries(RULES.flatMap((r) => {
    const own = r.defaults?.[d.kind];
    return own ? [[r.name, own]] : [];
  }));
}

/** One line of a preset's hyperparameters, e.g. `momentum lr 0.01, batch 64, 2 epochs`, then each rule's own. */
function describeDefaults(d: PresetDefaults): string {
  const scale = `${d.feedback ? `, feedback ${d.feedback}` : ''}${d.feedbackScale !== 1 ? `, feedback scale ${d.feedbackScale}` : ''}${d.feedbackConv === 'positions' ? ', conv signals / √positions' : ''}`;
  const rules = Object.entries(ruleDefaults(d)).map(([r, o]) => `; ${r}: ${Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ')}`).join('');
  return `${d.optimizer} lr ${d.lr}, batch ${d.batchSize}, ${d.epochs} epoch(s)${scale}${d.normalize ? ', normalized inputs' : ''}${rules}`;
}

/** `fbl presets`: the named models `--preset` accepts. */
export async function presets(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, PRESETS_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl presets [--json]', PRESETS_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  const list = listPresets();
  if (o.json) {
    // Each preset's defaults with the rules' own for its kind (`rules`, left out where none has any).
    const withRules = list.map((p) => {
      const rules = ruleDefaults(p.defaults);
      return { ...p, defaults: { ...p.defaults, ...(Object.keys(rules).length ? { rules } : {}) } };
    });
    io.out(JSON.stringify(withRules) + '\n');
    return 0;
  }
  const width = Math.max(...list.map((p) => p.name.length));
  io.out(list.map((p) => `${p.name.padEnd(width)}  ${p.description}\n${' '.repeat(width)}  defaults: ${describeDefaults(p.defaults)}`).join('\n') + '\n');
  io.out('\nUse one with --preset NAME, or describe your own model in JSON with --model FILE.\n');
  return 0;
}
