import { FblError, type AnyRuleOption, type LearningRule, type RuleDescriptor } from '@feedback-lab/core';
import { generatorByName } from '@feedback-lab/feedback';

/** An app's option values, keyed by flag (`feedback-scale`, ...), plus the run's seed. */
export type RuleValues = { readonly seed: number } & { readonly [flag: string]: string | number | boolean | undefined };

/**
 * The factory options of `d` from an app's values: each declared option from the value under
 * its flag (left out when undefined, so the rule's default applies), `seed` options from the
 * run's seed, generators built by name with the rule's scale and the seed.
 */
export function ruleOptions<O extends object>(d: RuleDescriptor<O>, values: RuleValues): O {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries<AnyRuleOption>(d.options)) {
    const v = spec.kind === 'seed' ? values.seed : values[spec.flag];
    if (v !== undefined) out[key] = optionValue(d.name, spec, v, values);
  }
  // Every key comes from d.options, whose entries are the option types of O (RuleOptionSchema).
  return out as O;
}

function optionValue(rule: string, spec: AnyRuleOption, v: string | number | boolean, values: RuleValues): unknown {
  const bad = (want: string) => new FblError('INVALID_OPTION', `${rule}: option ${spec.kind === 'seed' ? 'seed' : `--${spec.flag}`} must be ${want}, got ${JSON.stringify(v)}`);
  switch (spec.kind) {
    case 'seed':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || (spec.kind === 'number' && spec.min !== undefined && v < spec.min)) throw bad('a finite number');
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw bad('true or false');
      return v;
    case 'choice':
      if (typeof v !== 'string' || !spec.choices.includes(v)) throw bad(`one of ${spec.choices.join(', ')}`);
      return v;
    case 'generator': {
      if (typeof v !== 'string') throw bad('a generator name');
      const scale = spec.scale === undefined ? undefined : values[spec.scale];
      if (scale !== undefined && typeof scale !== 'number') throw bad('scaled by a number');
      return generatorByName(v, { scale, seed: values.seed });
    }
  }
}

/** Loads `d`'s factory as a function of an app's values (see `ruleOptions`). */
export async function loadRule<O extends object>(d: RuleDescriptor<O>): Promise<(values: RuleValues) => LearningRule> {
  const factory = await d.load();
  return (values) => factory(ruleOptions(d, values));
}
