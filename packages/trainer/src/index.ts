export { createTrainer, type CheckpointHook, type FitOptions, type Trainer, type TrainerOptions, type TrainingPosition } from './trainer';
// The optimizers live in core (rules' and the trainer's one definition); re-exported here.
export { createOptimizer, OPTIMIZERS, type Optimizer, type OptimizerName, type OptimizerOptions } from '@feedback-lab/core';
export { evaluateModel, type EvalResult } from './evaluate';
export { allFinite, finiteProbe, explosionGuard, DIVERGE_POLICIES, type DivergePolicy, type ExplosionGuard, type ExplosionOptions } from './divergence';
export { captureTrainingState, restoreTrainingState, type NamedArray, type TrainingState } from './training-state';
export type { StepInfo, TrainerCallback } from '@feedback-lab/core';
