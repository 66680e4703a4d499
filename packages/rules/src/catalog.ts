import type { AnyRuleOption, DenseFlops, LearningRule, RuleDescriptor, RuleMemoryModel } from '@feedback-lab/core';
import { bpRule } from '@feedback-lab/rule-bp';
import { brsfRule } from '@feedback-lab/rule-brsf';
import { dfaRule } from '@feedback-lab/rule-dfa';
import { drtpRule } from '@feedback-lab/rule-drtp';
import { faRule } from '@feedback-lab/rule-fa';
import { kpRule } from '@feedback-lab/rule-kp';
import { frsfRule } from '@feedback-lab/rule-frsf';
import { memDfaRule } from '@feedback-lab/rule-mem-dfa';
import { signSymmetryRule } from '@feedback-lab/rule-sign-symmetry';
import { usfRule } from '@feedback-lab/rule-usf';
import type { RuleValues } from './create';

/** A factory option as apps see it: the option's key in the factory's options and its spec. */
export type RuleField = AnyRuleOption & { readonly key: string };

/** A catalogued rule: its descriptor, with options listed and a factory that takes app values. */
export interface CatalogRule {
  readonly name: string;
  readonly label: string;
  readonly options: readonly RuleField[];
  readonly memory: RuleMemoryModel;
  readonly flops: (f: DenseFlops) => number;
  /** The rule's own training defaults per kind of preset (see `trainDefaults`). */
  readonly defaults?: RuleDescriptor['defaults'];
  /**
   * Loads the rule's factory, as a function of app values: it passes the rule the options it
   * declares, from `values` (see `ruleOptions`).
   */
  load(): Promise<(values: RuleValues) => LearningRule>;
  /** `load()`, then the rule for `values`. */
  create(values: RuleValues): Promise<LearningRule>;
}

function entry<O extends object>(d: RuleDescriptor<O>): CatalogRule {
  return {
    name: d.name,
    label: d.label,
    options: Object.entries<AnyRuleOption>(d.options).map(([key, spec]) => ({ key, ...spec })),
    memory: d.memory,
    flops: d.flops,
    ...(d.defaults ? { defaults: d.defaults } : {}),
    // Imported on demand: listing the rules (the web page) loads neither tfjs nor a rule.
    load: async () => (await import('./create')).loadRule(d),
    create: async (values) => (await (await import('./create')).loadRule(d))(values),
  };
}

/**
 * Every rule, in picker order. Adding a rule = its package (exporting a `RuleDescriptor`), its
 * import and its entry here; the CLI, the web app, the bench and the tests all read this list.
 */
export const RULES: readonly CatalogRule[] = [
  entry(bpRule),
  entry(faRule),
  entry(kpRule),
  entry(dfaRule),
  entry(memDfaRule),
  entry(drtpRule),
  entry(signSymmetryRule),
  entry(usfRule),
  entry(brsfRule),
  entry(frsfRule),
];

/** The catalogued rules' names, in catalog order. */
export const RULE_NAMES: readonly string[] = RULES.map((r) => r.name);

export function isRuleName(name: string): boolean {
  return RULE_NAMES.includes(name);
}
