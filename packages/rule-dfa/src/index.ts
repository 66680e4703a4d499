export { dfa, dfaFeedbackBank, type DfaOptions } from './dfa';
export { dfaSignal, localGrads, type ConvScaling } from './signal';
export { feedbackBank, feedbackSeedOf, type FeedbackBank, type FeedbackBankOptions, type FeedbackMode } from './feedback-bank';
export { detach } from './detach';
