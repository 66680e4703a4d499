export { createTrainer, type FitOptions, type Trainer, type TrainerOptions } from './trainer';
export { createOptimizer, OPTIMIZERS, type OptimizerName, type OptimizerOptions } from './optimizers';
export { evaluateModel, type EvalResult } from './evaluate';
export type { StepInfo, TrainerCallback } from './callbacks';
