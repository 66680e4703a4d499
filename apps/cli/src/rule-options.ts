import { GENERATOR_NAMES } from '@feedback-lab/feedback';
import { ruleFlags, type RuleFlag, type RuleValues } from '@feedback-lab/rules';
import { UsageError, type OptionSpec, type Specs } from './args';

// Flags whose default `fbl train` takes from the preset (trainDefaults), and what that means.
const PRESET_DEFAULT: Readonly<Record<string, string>> = {
  feedback: 'default: the preset\'s, see fbl presets; else the rule\'s own: fan-out for dfa/mem-dfa/drtp, xavier for fa',
  'feedback-scale': 'default: the preset\'s, 1 for --arch',
  'feedback-conv': 'default: the preset\'s; none',
};

function toSpec({ field, rules }: RuleFlag): OptionSpec {
  const help = `${rules.join('/')}: ${field.help}${PRESET_DEFAULT[field.flag] ? ` (${PRESET_DEFAULT[field.flag]})` : ''}`;
  switch (field.kind) {
    case 'number': return { kind: 'number', help, ...(field.min !== undefined ? { min: field.min } : {}), ...(field.default !== undefined ? { default: field.default } : {}) };
    case 'choice': return { kind: 'string', help, choices: field.choices, ...(field.default !== undefined ? { default: field.default } : {}) };
    case 'boolean': return { kind: 'boolean', help, ...(field.default !== undefined ? { default: field.default } : {}) };
    case 'generator': return { kind: 'string', help, choices: GENERATOR_NAMES };
    default: throw new Error(`unknown option kind ${JSON.stringify(field satisfies never)}`);
  }
}

const FLAGS = ruleFlags();

/**
 * One CLI option per flag that a catalogued rule takes (`--feedback-scale`, `--drtp-schedule`,
 * ...), its help naming the rules that take it. A rule ignores the flags it does not take.
 */
export const RULE_OPTIONS: Specs = Object.fromEntries(FLAGS.map((f) => [f.field.flag, toSpec(f)]));

/** The rule flags, which decide a run's numbers: stored in and checked against checkpoints. */
export const RULE_FLAGS: readonly string[] = FLAGS.map((f) => f.field.flag);

/**
 * Refuses rule flags that `rule` does not declare (`--feedback-mode` with bp, `--drtp-schedule`
 * with fa): a UsageError naming the rules that take the flag. Flags of no rule pass through.
 */
export function checkRuleFlags(flags: Iterable<string>, rule: string): void {
  for (const flag of flags) {
    const f = FLAGS.find((x) => x.field.flag === flag);
    if (f && !f.rules.includes(rule)) throw new UsageError(`--${flag} is not an option of rule ${rule}; it is taken by ${f.rules.join(', ')}`);
  }
}

/** The values the rules' factories read: the rule flags set in `o`, and the run's seed. */
export function ruleValues(o: Readonly<Record<string, unknown>>, seed: number): RuleValues {
  const values: Record<string, string | number | boolean> = {};
  for (const flag of RULE_FLAGS) {
    const v = o[flag];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') values[flag] = v;
  }
  return { ...values, seed };
}

/**
 * Reads the rule flags of a checkpoint's config back, each checked as its spec says; `fail`
 * throws the checkpoint's one-line error.
 */
export function readRuleFlags(cfg: Readonly<Record<string, unknown>>, fail: (message: string) => never): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { field } of FLAGS) {
    const v = cfg[field.flag];
    if (v === undefined) continue;
    const path = `config.${field.flag}`;
    if (field.kind === 'number' && (typeof v !== 'number' || !Number.isFinite(v))) fail(`${path} must be a finite number, got ${JSON.stringify(v)}`);
    if (field.kind === 'number' && field.min !== undefined && (v as number) < field.min) fail(`${path} must be at least ${field.min}, got ${JSON.stringify(v)}`);
    if (field.kind === 'boolean' && typeof v !== 'boolean') fail(`${path} must be true or false, got ${JSON.stringify(v)}`);
    const choices = field.kind === 'choice' ? field.choices : field.kind === 'generator' ? GENERATOR_NAMES : undefined;
    if (choices && (typeof v !== 'string' || !choices.includes(v))) fail(`${path} must be one of ${choices.join(', ')}, got ${JSON.stringify(v)?.slice(0, 60)}`);
    out[field.flag] = v as string | number | boolean;
  }
  return out;
}
