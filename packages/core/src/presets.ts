import { FblError } from './errors';
import { size } from './model';
import type { ModelSpec } from './spec';

/**
 * The hyperparameters a preset trains with unless the user overrides them. The CLI, the
 * benches and the web app read them from here, so a preset means the same run everywhere.
 */
export interface TrainDefaults {
  optimizer: 'sgd' | 'momentum' | 'adam';
  lr: number;
  /** Inverse-time decay of the learning rate: lr / (1 + step / lrDecaySteps); undefined: constant. */
  lrDecaySteps?: number;
  batchSize: number;
  epochs: number;
  /** Feedback-matrix generator by name (`generatorByName`); undefined: the rule's own default. */
  feedback?: string;
  /** Multiplier of the feedback matrices' entries (1: the generator's own scale). */
  feedbackScale: number;
  /** DFA/MEM-DFA: extra scaling of conv blocks' signals (`positions`: 1/√positions). */
  feedbackConv?: 'none' | 'positions';
  /** Standardise each input channel with the train split's mean and std. */
  normalize: boolean;
}

/**
 * What kind of model a preset is, for the rules' own defaults: each rule's descriptor may tune
 * its step per kind (`RuleDescriptor.defaults`), over the preset's rule-independent defaults.
 * - `tanh-mlp`: MLPs whose hidden activations all saturate (tanh, sigmoid): `--arch` MLPs and
 *   models without a preset. Random feedback's drift is bounded by the saturation.
 * - `relu-mlp`: MLPs with unbounded hidden activations (mnist-fc, deep-mlp-<L>), and `--model`
 *   or `--arch` models with any conv, relu or linear hidden block.
 * - `mnist-conv`: the authors' MNIST conv net, with or without batch norm (mnist-conv[-bn]).
 * - `cifar-conv`: the authors' CIFAR-10 conv net on standardised inputs (cifar-conv[-bn]).
 * - `long`: the deep sigmoid batch-norm memory nets (long-fc[-<L>], long-conv[-<L>]).
 */
export type PresetKind = 'tanh-mlp' | 'relu-mlp' | 'mnist-conv' | 'cifar-conv' | 'long';

/** The defaults a rule may set for a kind of preset (its descriptor's `defaults`). */
export type RuleDefaults = Partial<Pick<TrainDefaults, 'lr' | 'lrDecaySteps' | 'feedback' | 'feedbackScale' | 'feedbackConv'>>;

/** A preset's rule-independent defaults and its kind, which picks each rule's own defaults. */
export interface PresetDefaults extends TrainDefaults {
  kind: PresetKind;
}

const BASE = { optimizer: 'momentum', lr: 0.01, batchSize: 64, epochs: 2, feedbackScale: 1, normalize: false } as const;

/**
 * The defaults of `--arch` MLPs (tanh by default) and of models without a preset: momentum 0.9,
 * lr 0.01, batch 64. Rules with random feedback use the PyTorch reference's per-unit scaled
 * feedback here (their descriptors' `tanh-mlp` defaults).
 */
export const MLP_DEFAULTS: PresetDefaults = { ...BASE, kind: 'tanh-mlp' };

/**
 * Relu MLPs (mnist-fc, deep-mlp-L). Relu does not saturate, so a hidden update that does not yet
 * reduce the loss (random feedback before alignment) grows the activations without bound; the
 * random-feedback rules take a fraction of BP's step at the hidden layers (their descriptors'
 * `relu-mlp` feedback scale, relative to the BP-matched defaults).
 */
const RELU_MLP: PresetDefaults = { ...BASE, kind: 'relu-mlp' };

export interface PresetInfo {
  name: string;
  description: string;
  defaults: PresetDefaults;
}

const relu = 'relu' as const;

/**
 * Named models from the MEM-DFA authors' configurations (Chu et al., "Memory-efficient direct
 * feedback alignment", and the TF1 "DFAMEM" code), plus `deep-mlp-<L>` for depth sweeps.
 */
const FIXED: Record<string, { description: string; defaults: PresetDefaults; spec: (numClasses: number) => ModelSpec }> = {
  'mnist-fc': {
    description: '784-100-30-10 relu MLP',
    defaults: RELU_MLP,
    spec: (k) => ({ name: 'mnist-fc', input: [784], layers: [{ type: 'dense', units: 100, activation: relu }, { type: 'dense', units: 30, activation: relu }, { type: 'dense', units: k }] }),
  },
  'mnist-conv': {
    // The rules' `mnist-conv` defaults are measured on 10 000 MNIST samples (see their descriptors).
    defaults: { ...BASE, kind: 'mnist-conv' },
    description: 'conv5x5x20 → maxpool2 → relu → conv5x5x50 → maxpool2 → relu → fc500 → relu → fc10 (28×28×1)',
    spec: (k) => ({
      name: 'mnist-conv',
      input: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 20, kernel: 5, pool: { type: 'max', size: 2 }, activation: relu },
        { type: 'conv2d', filters: 50, kernel: 5, pool: { type: 'max', size: 2 }, activation: relu },
        { type: 'dense', units: 500, activation: relu },
        { type: 'dense', units: k },
      ],
    }),
  },
  'cifar-conv': {
    // Inputs standardised per channel (BP 25.7 → 39.3 % on 10 000 samples, 1 epoch). On the full
    // data at a constant rate random feedback's drift compounds, so the rules' `cifar-conv`
    // defaults scale and decay their step (docs/feedback-scaling.md).
    defaults: { ...BASE, epochs: 3, normalize: true, kind: 'cifar-conv' },
    description: 'conv5x5x32 → maxpool3/2 → relu → conv5x5x64 → avgpool3/2 → conv5x5x64 → avgpool3/2 → relu → fc128 → relu → fc10 (32×32×3, same padding)',
    spec: (k) => ({
      name: 'cifar-conv',
      input: [32, 32, 3],
      layers: [
        { type: 'conv2d', filters: 32, kernel: 5, padding: 'same', pool: { type: 'max', size: 3, stride: 2, padding: 'same' }, activation: relu },
        { type: 'conv2d', filters: 64, kernel: 5, padding: 'same', pool: { type: 'avg', size: 3, stride: 2, padding: 'same' }, activation: 'linear' },
        { type: 'conv2d', filters: 64, kernel: 5, padding: 'same', pool: { type: 'avg', size: 3, stride: 2, padding: 'same' }, activation: relu },
        { type: 'dense', units: 128, activation: relu },
        { type: 'dense', units: k },
      ],
    }),
  },
};

/** A fixed preset with batch norm (the authors' momentum 0.9) before the activation of every hidden block. */
function withBn(name: string, base: string, description: string) {
  const b = FIXED[base]!;
  FIXED[name] = {
    description,
    defaults: b.defaults,
    spec: (k) => {
      const spec = b.spec(k);
      return { ...spec, name, layers: spec.layers.map((l, i) => (i < spec.layers.length - 1 ? { ...l, batchNorm: true } : l)) };
    },
  };
}
// The authors' liao_mnist_bn and liao_cifar_bn. Same defaults as the nets without batch norm,
// for a like-for-like comparison (not tuned with it).
withBn('mnist-conv-bn', 'mnist-conv', 'mnist-conv with batch norm before each hidden activation (after pooling)');
withBn('cifar-conv-bn', 'cifar-conv', 'cifar-conv with batch norm before each hidden activation (after pooling)');

/**
 * The authors' deep memory nets (long_fc, long_conv): sigmoid blocks with batch norm. The last
 * block is linear logits for the softmax cross-entropy (theirs adds a sigmoid on the output).
 * The authors' traces show Adam (lr 1e-3), but on long-fc-30 (MNIST, first 5 000 samples, 1
 * epoch, seed 1) momentum 0.9 at lr 0.01 trains better for every rule: BP 87.5 % (Adam: 81.9 %
 * on 10 000), DFA 56.0 % with the fan-out feedback (Adam with the authors' he-normal B: 8.7 %,
 * with fan-out 14.4 %). So the library defaults apply, with the BP-matched feedback.
 */
const LONG: PresetDefaults = { ...BASE, epochs: 1, kind: 'long' };
const LONG_DEPTH = 30;

const DEEP = /^deep-mlp-(\d+)$/;
const LONG_RE = /^long-(fc|conv)(?:-(\d+))?$/;

/** The spec of long-fc-<L> / long-conv-<L> (L blocks, default 30). */
function longSpec(name: string, kind: string, depthText: string | undefined, k: number, inputShape: readonly number[] | undefined): ModelSpec {
  const depth = depthText === undefined ? LONG_DEPTH : Number(depthText);
  if (depth < 1 || depth > 1000) throw new FblError('INVALID_OPTION', `long-${kind} depth must be 1 to 1000, got ${depthText}`);
  const out = { type: 'dense' as const, units: k };
  if (kind === 'fc') {
    const hidden = Array.from({ length: depth }, () => ({ type: 'dense' as const, units: 500, activation: 'sigmoid' as const, batchNorm: true }));
    return { name, input: [size(inputShape ?? [784])], layers: [...hidden, out] };
  }
  const input = imageShape(inputShape ?? [28, 28, 1], name);
  const hidden = Array.from({ length: depth }, () => ({ type: 'conv2d' as const, filters: 5, kernel: 5, padding: 'same' as const, activation: 'sigmoid' as const, batchNorm: true }));
  return { name, input, layers: [...hidden, out] };
}

/** [h, w, c] of an image dataset: its own 3-D shape, or a flat square grey image (784 → 28×28×1). */
function imageShape(shape: readonly number[], name: string): number[] {
  if (shape.length === 3) return [...shape];
  const side = Math.round(Math.sqrt(size(shape)));
  if (side * side !== size(shape)) throw new FblError('SHAPE_MISMATCH', `${name} needs image inputs [h, w, c] or a flat square image, got [${shape}]`);
  return [side, side, 1];
}

/** Presets for `fbl presets`. */
export function listPresets(): PresetInfo[] {
  return [
    ...Object.entries(FIXED).map(([name, p]) => ({ name, description: p.description, defaults: p.defaults })),
    { name: 'deep-mlp-<L>', description: 'L hidden layers of 256 relu (any input size), e.g. deep-mlp-8', defaults: RELU_MLP },
    { name: 'long-fc[-<L>]', description: `L × [dense 500 → batch norm → sigmoid] → fc (default L = ${LONG_DEPTH}; any input size), e.g. long-fc-10`, defaults: LONG },
    { name: 'long-conv[-<L>]', description: `L × [conv5x5x5 same → batch norm → sigmoid] → fc (default L = ${LONG_DEPTH}; image input), e.g. long-conv-10`, defaults: LONG },
  ];
}

/**
 * The training defaults of a model without a preset (`--arch`, `--model`), by what its hidden
 * blocks compute: MLPs whose hidden activations all saturate (tanh, sigmoid) are `tanh-mlp`
 * ({@link MLP_DEFAULTS}); any conv block, or any hidden relu or linear block, is `relu-mlp`, as
 * unbounded activations drift under random feedback. 784-800-800-10 relu, MNIST, first 10 000
 * samples, 1 epoch, seed 1: with the tanh MLPs' feedback DFA explodes at step 51 and DRTP at
 * step 14, FA ends at loss 6.2; with the relu MLPs', DFA 85.83 %, FA 87.11 %, DRTP 85.24 %.
 * A rule's own defaults for the kind go over these (`trainDefaults` in @feedback-lab/rules).
 *
 * @example
 * specDefaults({ input: [784], layers: [{ type: 'dense', units: 100 }, { type: 'dense', units: 10 }] }).kind; // 'relu-mlp'
 */
export function specDefaults(spec: ModelSpec): PresetDefaults {
  const hidden = spec.layers.slice(0, -1);
  const saturating = hidden.every((l) => l.type === 'dense' && (l.activation === 'tanh' || l.activation === 'sigmoid'));
  return { ...(saturating ? MLP_DEFAULTS : RELU_MLP) };
}

/**
 * The rule-independent training defaults of preset `name` (undefined: `--arch`/`--model`) and
 * its kind; a rule's own defaults for the kind go over them (`trainDefaults` in
 * @feedback-lab/rules).
 *
 * @example
 * const { optimizer, lr, batchSize, kind } = presetDefaults('cifar-conv');
 */
export function presetDefaults(name: string | undefined): PresetDefaults {
  const base = name === undefined ? MLP_DEFAULTS : FIXED[name]?.defaults ?? (DEEP.test(name) ? RELU_MLP : LONG_RE.test(name) ? LONG : undefined);
  if (!base) presetSpec(name!); // throws the unknown-preset error
  return { ...base! };
}

/**
 * The spec of a named preset. `inputShape` (deep-mlp, long-fc, long-conv) and `numClasses`
 * default to MNIST's.
 *
 * @example
 * const model = buildModel(presetSpec('deep-mlp-4'), { inputShape: [784], numClasses: 10, seed: 1 });
 */
export function presetSpec(name: string, o: { inputShape?: readonly number[]; numClasses?: number } = {}): ModelSpec {
  const k = o.numClasses ?? 10;
  const fixed = FIXED[name];
  if (fixed) return fixed.spec(k);
  const deep = DEEP.exec(name);
  if (deep) {
    const depth = Number(deep[1]);
    if (depth < 1 || depth > 1000) throw new FblError('INVALID_OPTION', `deep-mlp depth must be 1 to 1000, got ${deep[1]}`);
    const hidden = Array.from({ length: depth }, () => ({ type: 'dense' as const, units: 256, activation: relu }));
    return { name, input: [size(o.inputShape ?? [784])], layers: [...hidden, { type: 'dense', units: k }] };
  }
  const long = LONG_RE.exec(name);
  if (long) return longSpec(name, long[1]!, long[2], k, o.inputShape);
  throw new FblError('INVALID_OPTION', `unknown preset "${name}" (expected ${[...Object.keys(FIXED), 'deep-mlp-<L>', 'long-fc[-<L>]', 'long-conv[-<L>]'].join(', ')})`);
}
