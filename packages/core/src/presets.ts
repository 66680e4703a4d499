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

/** Defaults of a preset, with optional per-rule overrides (e.g. DRTP's smaller step). */
export interface PresetDefaults extends TrainDefaults {
  rules?: Readonly<Record<string, Partial<Pick<TrainDefaults, 'lr' | 'lrDecaySteps' | 'feedback' | 'feedbackScale' | 'feedbackConv'>>>>;
}

const BASE = { optimizer: 'momentum', lr: 0.01, batchSize: 64, epochs: 2, feedbackScale: 1, normalize: false } as const;

/**
 * The defaults of `--arch` MLPs (tanh by default) and of models without a preset: momentum 0.9,
 * lr 0.01, batch 64, and the PyTorch reference's feedback: per-unit scaled, so each hidden unit
 * receives a signal the size of one unit of the error (FA: B ~ N(0, 1/fan-out); DFA/MEM-DFA:
 * he-normal, variance 2/n_out, as the MEM-DFA authors). On the saturating tanh MLP that is about
 * 6–13× BP's step at the hidden layers and trains faster (784-800-800-10, 2 epochs: FA 95.67 %,
 * DFA 96.06 % vs 93.17 % and 92.53 % with the BP-matched defaults).
 */
export const MLP_DEFAULTS: PresetDefaults = {
  ...BASE,
  rules: { fa: { feedback: 'fan-out' }, dfa: { feedback: 'he-normal' }, 'mem-dfa': { feedback: 'he-normal' }, drtp: { feedback: 'he-normal' } },
};

/**
 * Relu MLPs (mnist-fc, deep-mlp-L). Relu does not saturate, so a hidden update that does not yet
 * reduce the loss (random feedback before alignment) grows the activations without bound; the
 * random-feedback rules take a fraction of BP's step at the hidden layers (the feedback scale,
 * relative to the BP-matched defaults). mnist-fc on Fashion-MNIST, 20 000 samples, 1 epoch:
 * DFA 68.1 % at scale 1 (loss spikes), 71.3 % at 0.25, explodes at 2; DRTP explodes at ≥ 0.1, and
 * its signal never shrinks, so only a tiny scale keeps a full two-epoch run finite (0.002).
 */
const RELU_MLP: PresetDefaults = {
  ...BASE,
  rules: {
    fa: { feedback: 'fan-out', feedbackScale: 0.25 },
    dfa: { feedbackScale: 0.25 },
    'mem-dfa': { feedbackScale: 0.25 },
    drtp: { feedbackScale: 0.002 },
  },
};

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
    // 10 000 MNIST samples, 1 epoch: DFA 91.2 % at the BP-matched default; FA explodes at scale 1
    // with its fan-out B, 88.9 % at 0.25 (84.5 % with xavier). DRTP's signal never shrinks, so its
    // relu activations grow with lr·scale·steps: at 0.03 it survives 157 steps (71.2 %) but explodes
    // after 200–370 steps of the full set; at 0.002 two epochs stay finite, but seed 2 fell from
    // 92.4 to 58.5 % in epoch 2; with the rate decayed (lr / (1 + step/300)) it ends at 92.4 %.
    defaults: { ...BASE, rules: { fa: { feedback: 'fan-out', feedbackScale: 0.25 }, drtp: { feedbackScale: 0.002, lrDecaySteps: 300 } } },
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
    // Inputs standardised per channel (BP 25.7 → 39.3 % on 10 000 samples, 1 epoch). DFA explodes
    // at scale ≥ 0.2 with uniform scaling; dividing the conv blocks' signals by √positions lets the
    // dense block take 0.3 of BP's step: 27.9 %. FA 26.0 % at 0.1 (fan-out B). On the full data at a
    // constant rate the random-feedback drift still compounds (DFA exploded at step 2004, DRTP at
    // 918), so DFA, MEM-DFA and DRTP decay the rate, lr / (1 + step / N): the total drift then grows
    // as log(steps) (docs/feedback-scaling.md).
    defaults: {
      ...BASE, epochs: 3, normalize: true,
      rules: {
        fa: { feedback: 'fan-out', feedbackScale: 0.1, lrDecaySteps: 300 },
        dfa: { feedbackScale: 0.3, feedbackConv: 'positions', lrDecaySteps: 300 },
        'mem-dfa': { feedbackScale: 0.3, feedbackConv: 'positions', lrDecaySteps: 300 },
        drtp: { feedbackScale: 0.0005, lrDecaySteps: 200 },
      },
    },
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
const LONG: PresetDefaults = { ...BASE, epochs: 1 };
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
 * blocks compute: MLPs whose hidden activations all saturate (tanh, sigmoid) get
 * {@link MLP_DEFAULTS} (the reference's per-unit feedback); any conv block, or any hidden relu or
 * linear block, gets the relu MLPs' fractions of BP's step, as unbounded activations drift under
 * random feedback. 784-800-800-10 relu, MNIST, first 10 000 samples, 1 epoch, seed 1: with the
 * tanh MLPs' feedback DFA explodes at step 51 and DRTP at step 14, FA ends at loss 6.2; with
 * these, DFA 85.83 %, FA 87.11 %, DRTP 85.24 %.
 *
 * @example
 * const d = specDefaults({ input: [784], layers: [{ type: 'dense', units: 100 }, { type: 'dense', units: 10 }] }, 'dfa'); // feedbackScale 0.25
 */
export function specDefaults(spec: ModelSpec, rule?: string): TrainDefaults {
  const hidden = spec.layers.slice(0, -1);
  const saturating = hidden.every((l) => l.type === 'dense' && (l.activation === 'tanh' || l.activation === 'sigmoid'));
  const { rules, ...d } = saturating ? MLP_DEFAULTS : RELU_MLP;
  return { ...d, ...(rule ? rules?.[rule] : undefined) };
}

/**
 * The training defaults of preset `name` (undefined: `--arch`/`--model`) for `rule`, with the
 * preset's per-rule overrides applied.
 *
 * @example
 * const { optimizer, lr, batchSize } = presetDefaults('cifar-conv', 'dfa');
 */
export function presetDefaults(name: string | undefined, rule?: string): TrainDefaults {
  const base = name === undefined ? MLP_DEFAULTS : FIXED[name]?.defaults ?? (DEEP.test(name) ? RELU_MLP : LONG_RE.test(name) ? LONG : undefined);
  if (!base) presetSpec(name!); // throws the unknown-preset error
  const { rules, ...d } = base!;
  return { ...d, ...(rule ? rules?.[rule] : undefined) };
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
