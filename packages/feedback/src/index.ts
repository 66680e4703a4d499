export { gaussian, uniform, heNormal, fanOut, xavier } from './random';
export { sign, sparse } from './discrete';
export { orthogonal } from './orthogonal';
export { sharedSlice, type SharedSliceOptions } from './shared-slice';
export { generatorByName, GENERATOR_NAMES, type GeneratorName, type ByNameOptions } from './by-name';
export type { ScaleOptions } from './fill';
export { feedbackBank, feedbackSeedOf, type FeedbackBank, type FeedbackBankOptions, type FeedbackKey, type FeedbackMode, type FeedbackOptions } from './bank';
export { dfaFeedbackBank, dfaSignal, directSignal, type ConvScaling, type DfaFeedbackOptions } from './direct';
export { FEEDBACK_OPTIONS, DFA_FEEDBACK_OPTIONS } from './options';
