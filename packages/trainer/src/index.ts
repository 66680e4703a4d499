export { createTrainer, type CheckpointHook, type FitOptions, type Trainer, type TrainerOptions, type TrainingPosition } from './trainer';
export { createOptimizer, OPTIMIZERS, type OptimizerName, type OptimizerOptions } from './optimizers';
export { evaluateModel, type EvalResult } from './evaluate';
export { allFinite, explosionGuard, DIVERGE_POLICIES, type DivergePolicy, type ExplosionGuard, type ExplosionOptions } from './divergence';
export { snapshotOptimizer, restoreOptimizer, disposeSnapshot, type OptimizerSnapshot } from './optimizer-state';
export { captureTrainingState, restoreTrainingState, type NamedArray, type TrainingState } from './training-state';
export type { StepInfo, TrainerCallback } from '@feedback-lab/core';
