import { FblError } from '@feedback-lab/core';
import { RULES, RULE_NAMES, type CatalogRule, type RuleField } from './catalog';

/** The catalogued rule `name`; throws `INVALID_OPTION` naming the known rules otherwise. */
export function ruleByName(name: string): CatalogRule {
  const r = RULES.find((x) => x.name === name);
  if (!r) throw new FblError('INVALID_OPTION', `unknown rule "${name}" (expected ${RULE_NAMES.join(', ')})`);
  return r;
}

/** A field that an app asks for (every kind but `seed`), and the rules that take it. */
export interface RuleFlag {
  readonly field: Exclude<RuleField, { kind: 'seed' }>;
  readonly rules: string[];
}

/**
 * Every flag the catalogued rules take, once, with the rules that take it (catalog order). Two
 * rules that share a flag must describe it alike (the catalog test checks).
 */
export function ruleFlags(): RuleFlag[] {
  const byFlag = new Map<string, RuleFlag>();
  for (const r of RULES) {
    for (const f of r.options) {
      if (f.kind === 'seed') continue;
      const seen = byFlag.get(f.flag);
      if (seen) seen.rules.push(r.name);
      else byFlag.set(f.flag, { field: f, rules: [r.name] });
    }
  }
  return [...byFlag.values()];
}
