import type { FeedbackGenerator, RuleFactory } from '@feedback-lab/core';
import { bp } from '@feedback-lab/rule-bp';
import { dfa } from '@feedback-lab/rule-dfa';
import { drtp } from '@feedback-lab/rule-drtp';
import { fa } from '@feedback-lab/rule-fa';
import { signSymmetry } from '@feedback-lab/rule-sign-symmetry';
import { memDfa } from '@feedback-lab/rule-mem-dfa';

/** Options the CLI passes to every factory; rules ignore what they do not use. */
export interface CliRuleOptions {
  seed: number;
  generator?: FeedbackGenerator;
  scale?: number;
  /** FA, DFA, MEM-DFA, DRTP: keep feedback matrices or regenerate them from the seed. */
  feedback?: 'stored' | 'regenerate';
  /** DFA/MEM-DFA: extra scaling of conv blocks' signals. */
  convScaling?: 'none' | 'positions';
}

/**
 * The rules this CLI knows. Adding a rule = one import and one entry here; nothing registers
 * itself globally. Factories receive the CLI's rule options (seed, feedback, ...).
 */
export const RULES = {
  bp: bp as RuleFactory<CliRuleOptions>,
  fa: fa as RuleFactory<CliRuleOptions>,
  dfa: dfa as RuleFactory<CliRuleOptions>,
  'mem-dfa': memDfa as RuleFactory<CliRuleOptions>,
  drtp: drtp as RuleFactory<CliRuleOptions>,
  'sign-symmetry': signSymmetry as RuleFactory<CliRuleOptions>,
} satisfies Record<string, RuleFactory<CliRuleOptions>>;

export type RuleName = keyof typeof RULES;
export const RULE_NAMES = Object.keys(RULES) as RuleName[];
