import type { FeedbackGenerator, RuleFactory } from '@feedback-lab/core';

/** What the worker passes every factory; rules ignore the options they do not take. */
type Factory = RuleFactory<{ seed?: number; generator?: FeedbackGenerator; scale?: number; convScaling?: 'none' | 'positions' }>;

/** What the app needs to offer a rule: a picker label and a loader for its factory. */
export interface RuleEntry {
  readonly label: string;
  /** Loaded on demand, so the page bundle carries no tfjs and only the worker imports rules. */
  readonly load: () => Promise<Factory>;
}

/**
 * The rules this app offers, in picker order. Adding a rule = one line here (and the package in
 * package.json); nothing registers itself globally. Factories receive the run's seed, so every
 * rule compared on the same model gets the same feedback matrices, and the model's feedback
 * defaults (core's presetDefaults, as `fbl train` uses them).
 */
export const RULES = {
  bp: { label: 'BP (backprop)', load: async () => (await import('@feedback-lab/rule-bp')).bp as Factory },
  fa: { label: 'FA (feedback alignment)', load: async () => (await import('@feedback-lab/rule-fa')).fa as Factory },
  dfa: { label: 'DFA (direct FA)', load: async () => (await import('@feedback-lab/rule-dfa')).dfa as Factory },
  'mem-dfa': { label: 'MEM-DFA (memory-efficient DFA)', load: async () => (await import('@feedback-lab/rule-mem-dfa')).memDfa as Factory },
  drtp: { label: 'DRTP (direct random target projection)', load: async () => (await import('@feedback-lab/rule-drtp')).drtp as Factory },
  'sign-symmetry': { label: 'Sign-symmetry', load: async () => (await import('@feedback-lab/rule-sign-symmetry')).signSymmetry as Factory },
} satisfies Record<string, RuleEntry>;

export type RuleName = keyof typeof RULES;
export const RULE_NAMES = Object.keys(RULES) as RuleName[];

export function isRuleName(name: string): name is RuleName {
  return Object.hasOwn(RULES, name);
}
