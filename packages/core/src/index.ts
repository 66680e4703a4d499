import './register';

export type {
  Batch,
  BlockStats,
  BatchEndEvent,
  BatchOptions,
  Block,
  FeedbackWeight,
  BlockUpdate,
  Dataset,
  EpochEndEvent,
  FeedbackGenerator,
  LearningRule,
  Loss,
  MemoryStats,
  Model,
  PhaseMarker,
  RuleFactory,
  RuleState,
  Split,
  StepContext,
  StepInfo,
  TrainerCallback,
  TrainerEvent,
} from './types';
export { FblError, check, type FblErrorCode } from './errors';
export { didYouMean } from './suggest';
export { createRng, deriveSeed, permutation, type Rng } from './rng';
export { initWeights, type InitName } from './init';
export { activate, isActivation, ACTIVATIONS, type ActivationName } from './activations';
export { linear, matMul, matMulWithFeedback } from './linear';
export { sign } from './sign';
export { dense, toVariable, type DenseOptions } from './dense';
export { conv2d, type Padding } from './conv';
export { pool2d, outSize, type PoolOptions, type PoolType } from './pool';
export { conv2dBlock, flatten, type Conv2dBlockOptions } from './conv-block';
export { buildModel, validateSpec, MAX_LAYERS, type ModelSpec, type DenseLayerSpec, type Conv2dLayerSpec } from './spec';
export { MLP_DEFAULTS, listPresets, presetDefaults, presetSpec, specDefaults, type PresetDefaults, type PresetInfo, type PresetKind, type RuleDefaults, type TrainDefaults } from './presets';
export { disposeBlock, mlp, parseArch, sequential, size, type MlpOptions } from './model';
export { blockVariables, inference, modelVariables, predict, withBatchNorm, type BatchNormOptions } from './batch-norm';
export { softmaxCrossEntropy } from './loss';
export { selectBackend, requestedThreads, describeBackend, loadBackend, productsInUse, BACKENDS, BACKEND_PACKAGES, type BackendInfo, type BackendName } from './backend';
export { countBytes, paramBytes } from './memory';
export {
  createOptimizer, disposeOptimizerState, optimizerStateFromRecord, optimizerStateToRecord, OPTIMIZERS,
  type Optimizer, type OptimizerName, type OptimizerOptions, type OptimizerState, type SlotState,
} from './optimizer';
export { IN_PLACE_MIN_ELEMENTS } from './momentum-kernel';
export { applyUpdate, peekUpdates, runStep, stepSync } from './step';
export { canUseFeedbackTape, gradsWithFeedback } from './feedback-tape';
export { inject, localGrads, paramGrads } from './local-grads';
export { untaped } from './tape-memory';
export type { AnyRuleOption, DenseFlops, RuleDescriptor, RuleMemoryModel, RuleOption, RuleOptionSchema } from './descriptor';
