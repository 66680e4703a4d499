import type { RuleFactory } from '@feedback-lab/core';
import { bp } from '@feedback-lab/rule-bp';

/**
 * The rules this CLI knows. Adding a rule = one import and one entry here; nothing registers
 * itself globally. Factories receive the CLI's rule options (seed, feedback, ...).
 */
export const RULES = {
  bp: bp as RuleFactory<Record<string, unknown>>,
} satisfies Record<string, RuleFactory<Record<string, unknown>>>;

export type RuleName = keyof typeof RULES;
export const RULE_NAMES = Object.keys(RULES) as RuleName[];
