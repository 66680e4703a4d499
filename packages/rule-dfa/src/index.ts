export { dfa, type DfaOptions } from './dfa';
export { detach } from './detach';
// Moved one layer down (MEM-DFA shares them without importing this rule); re-exported so
// existing imports from rule-dfa keep working.
export { localGrads } from '@feedback-lab/core';
export {
  dfaFeedbackBank, dfaSignal, feedbackBank, feedbackSeedOf,
  type ConvScaling, type FeedbackBank, type FeedbackBankOptions, type FeedbackMode,
} from '@feedback-lab/feedback';
export { dfaRule } from './descriptor';
