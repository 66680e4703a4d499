import type { RuleOptionSchema } from '@feedback-lab/core';
import type { FeedbackOptions } from './bank';
import type { DfaFeedbackOptions } from './direct';

/**
 * How apps ask for the options every random-feedback rule shares, under the flags `fbl train`
 * has always had. A rule's descriptor spreads this into its own option schema.
 */
export const FEEDBACK_OPTIONS: RuleOptionSchema<FeedbackOptions> = {
  seed: { kind: 'seed' },
  generator: { kind: 'generator', flag: 'feedback', scale: 'feedback-scale', help: 'feedback-matrix generator' },
  // Negative would flip every feedback sign: the rules then push the hidden layers against the
  // error. 0 is a real ablation (only the last layer learns).
  scale: { kind: 'number', flag: 'feedback-scale', min: 0, help: 'multiplies the feedback matrices\' entries' },
  feedback: {
    kind: 'choice', flag: 'feedback-mode', choices: ['stored', 'regenerate'], default: 'stored',
    help: 'keep the feedback matrices or regenerate them from the seed when needed (same weights, none resident)',
  },
};

/** FEEDBACK_OPTIONS plus DFA's conv scaling (DFA, MEM-DFA). */
export const DFA_FEEDBACK_OPTIONS: RuleOptionSchema<DfaFeedbackOptions> = {
  ...FEEDBACK_OPTIONS,
  convScaling: {
    kind: 'choice', flag: 'feedback-conv', choices: ['none', 'positions'],
    help: 'positions divides a conv block\'s signal by √(its positions)',
  },
};
