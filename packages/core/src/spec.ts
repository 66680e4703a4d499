import { ACTIVATIONS, type ActivationName } from './activations';
import { withBatchNorm, type BatchNormOptions } from './batch-norm';
import { conv2dBlock } from './conv-block';
import { dense } from './dense';
import { FblError } from './errors';
import { didYouMean } from './suggest';
import { disposeBlock, sequential, size } from './model';
import type { InitName } from './init';
import type { PoolOptions } from './pool';
import { deriveSeed } from './rng';
import type { Block, Model } from './types';

export interface DenseLayerSpec {
  type: 'dense';
  units: number;
  activation?: ActivationName;
  /** Batch normalisation between the affine map and the activation (true: momentum 0.9). */
  batchNorm?: boolean | BatchNormOptions;
}

export interface Conv2dLayerSpec {
  type: 'conv2d';
  filters: number;
  /** Square kernel size. */
  kernel: number;
  stride?: number;
  padding?: 'same' | 'valid';
  /** Pooling inside the block, after the conv and before the activation. */
  pool?: PoolOptions;
  activation?: ActivationName;
  /** Batch normalisation per channel after the conv (and pooling), before the activation. */
  batchNorm?: boolean | BatchNormOptions;
}

/** A declarative model: the JSON of `--model file.json` and what presets expand to. */
export interface ModelSpec {
  name?: string;
  /** Per-sample input shape: [features] for MLPs, [height, width, channels] for convs. */
  input: number[];
  /** One entry per block; the last must be a dense layer with one unit per class. */
  layers: (DenseLayerSpec | Conv2dLayerSpec)[];
}

/**
 * Most blocks a spec may have: twice the deepest presets (1 001 blocks: deep-mlp-1000,
 * long-fc-1000, long-conv-1000). Anything deeper is a mistake or a hostile file: an epoch of one
 * 64-sample step of a 3 000-block MLP took 15 s on two cores. 1 990 batch-norm blocks (dense or conv; bp,
 * dfa) train with a fifth of node's default stack, so the cap also keeps a wide margin from
 * tfjs's own recursion (its tf.profile spread every kernel record into Math.max and overflowed
 * the stack at ~2 000 such blocks before the profiler's profileKernels).
 */
export const MAX_LAYERS = 2000;

function tooDeep(count: number, what: string): FblError {
  return new FblError('INVALID_OPTION', `${what}: layers has ${count} blocks, over the limit of ${MAX_LAYERS} (the deepest preset has 1001)`);
}

/** The keys each object of a spec may have, by what it is: anything else is a typo that would be ignored. */
const KEYS = {
  'a model spec': ['name', 'input', 'layers'],
  'a dense layer': ['type', 'units', 'activation', 'batchNorm'],
  'a conv2d layer': ['type', 'filters', 'kernel', 'stride', 'padding', 'pool', 'activation', 'batchNorm'],
  'a layer': ['type', 'units', 'filters', 'kernel', 'stride', 'padding', 'pool', 'activation', 'batchNorm'],
  pool: ['type', 'size', 'stride', 'padding'],
  batchNorm: ['momentum', 'epsilon'],
} as const;

/** A value for a one-line message: JSON, cut to 60 characters (also a value too deep to print). */
function shown(v: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    text = Array.isArray(v) ? '[…]' : '{…}';
  }
  return text === undefined ? String(v) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

type Fail = (path: string, msg: string, v: unknown) => never;

/** Fails on the first key of `o` (at `path`) that `kind` does not take, suggesting the closest one. */
function knownKeys(o: object, path: string, kind: keyof typeof KEYS, what: string): void {
  const known: readonly string[] = KEYS[kind];
  const key = Object.keys(o).find((k) => !known.includes(k));
  if (key === undefined) return;
  const where = path ? `in ${path}` : 'at the top level';
  const hint = key.length <= 40 ? didYouMean(key, known) : '';
  throw new FblError('INVALID_OPTION', `${what}: unknown key ${shown(key)} ${where}${hint}; ${kind} takes ${known.join(', ')}`);
}

/**
 * Checks an untrusted spec (e.g. parsed JSON) and returns it typed. Errors name the path of
 * the bad value, e.g. `layers[1].filters must be a positive integer, got "x"`, and unknown keys
 * with the closest known one (`unknown key "batchnorm" in layers[0] (did you mean
 * "batchNorm"?)`), so a typo cannot silently train another model.
 */
export function validateSpec(raw: unknown, what = 'model spec'): ModelSpec {
  const fail: Fail = (path, msg, v) => {
    throw new FblError('INVALID_OPTION', `${what}: ${path} ${msg}, got ${shown(v)}`);
  };
  const posInt = (v: unknown, path: string) => (Number.isInteger(v) && (v as number) > 0 ? (v as number) : fail(path, 'must be a positive integer', v));
  const oneOf = <T extends string>(v: unknown, path: string, options: readonly T[]): T =>
    (options as readonly unknown[]).includes(v) ? (v as T) : fail(path, `must be one of ${options.join(', ')}`, v);
  const object = (v: unknown, path: string, msg: string) =>
    (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(path, msg, v));
  const o = object(raw, 'the top level', 'must be an object with "input" and "layers"');
  knownKeys(o, '', 'a model spec', what);
  if (!Array.isArray(o.input) || o.input.length < 1 || o.input.length > 3) fail('input', 'must be [features] or [height, width, channels]', o.input);
  const input = (o.input as unknown[]).map((v, i) => posInt(v, `input[${i}]`));
  if (!Array.isArray(o.layers) || o.layers.length === 0) fail('layers', 'must be a non-empty array', o.layers);
  const count = (o.layers as unknown[]).length;
  if (count > MAX_LAYERS) throw tooDeep(count, what);
  const layers = (o.layers as unknown[]).map((l, i): DenseLayerSpec | Conv2dLayerSpec => {
    const p = `layers[${i}]`;
    const L = object(l, p, 'must be an object');
    // a misspelled "type" is reported as such, not as a missing type
    knownKeys(L, p, L.type === 'dense' ? 'a dense layer' : L.type === 'conv2d' ? 'a conv2d layer' : 'a layer', what);
    if (L.type !== 'dense' && L.type !== 'conv2d') return fail(`${p}.type`, 'must be dense or conv2d', L.type);
    const activation = L.activation === undefined ? undefined : oneOf(L.activation, `${p}.activation`, ACTIVATIONS);
    const batchNorm = L.batchNorm === undefined ? {} : { batchNorm: batchNormOf(L.batchNorm, `${p}.batchNorm`, fail, what) };
    if (L.type === 'dense') return { type: 'dense', units: posInt(L.units, `${p}.units`), activation, ...batchNorm };
    let pool: PoolOptions | undefined;
    if (L.pool !== undefined) {
      const q = object(L.pool, `${p}.pool`, 'must be { type, size, stride?, padding? }');
      knownKeys(q, `${p}.pool`, 'pool', what);
      pool = {
        type: oneOf(q.type, `${p}.pool.type`, ['max', 'avg'] as const),
        size: posInt(q.size, `${p}.pool.size`),
        stride: q.stride === undefined ? undefined : posInt(q.stride, `${p}.pool.stride`),
        padding: q.padding === undefined ? undefined : oneOf(q.padding, `${p}.pool.padding`, ['same', 'valid'] as const),
      };
    }
    return {
      type: 'conv2d',
      filters: posInt(L.filters, `${p}.filters`),
      kernel: posInt(L.kernel, `${p}.kernel`),
      stride: L.stride === undefined ? undefined : posInt(L.stride, `${p}.stride`),
      padding: L.padding === undefined ? undefined : oneOf(L.padding, `${p}.padding`, ['same', 'valid'] as const),
      pool,
      activation,
      ...batchNorm,
    };
  });
  if (o.name !== undefined && typeof o.name !== 'string') fail('name', 'must be a string', o.name);
  return { name: o.name as string | undefined, input, layers };
}

/**
 * Builds a model from a spec for a dataset's input shape and class count. Conv layers see the
 * input as [h, w, c] (a flat [784] dataset works with input [28, 28, 1]); dense layers flatten.
 *
 * @example
 * const model = buildModel(presetSpec('mnist-conv'), { inputShape: [784], numClasses: 10, seed: 1 });
 */
export function buildModel(spec: ModelSpec, o: { inputShape: readonly number[]; numClasses: number; seed?: number }): Model {
  const label = spec.name ?? 'model';
  if (spec.layers.length > MAX_LAYERS) throw tooDeep(spec.layers.length, label);
  if (size(spec.input) !== size(o.inputShape)) {
    throw new FblError('SHAPE_MISMATCH', `${label} expects inputs of shape [${spec.input}] (${size(spec.input)} values) but the data has [${o.inputShape}] (${size(o.inputShape)})`);
  }
  const last = spec.layers[spec.layers.length - 1]!;
  if (last.type !== 'dense' || last.units !== o.numClasses) {
    throw new FblError('SHAPE_MISMATCH', `${label}: the last layer must be dense with ${o.numClasses} units (one per class), got ${last.type} ${last.type === 'dense' ? last.units : last.filters}`);
  }
  const seed = o.seed ?? 0;
  const blocks: Block[] = [];
  let shape: readonly number[] = spec.input;
  try {
    spec.layers.forEach((l, i) => {
    const isLast = i === spec.layers.length - 1;
    const common = { name: `${l.type}${i + 1}`, seed: deriveSeed(seed, 'init', i + 1) };
    const act = l.activation ?? (isLast && l.type === 'dense' ? 'linear' : 'relu');
    // With batch norm, the inner block is linear and the activation follows the normalisation.
    const bn = l.batchNorm ? (l.batchNorm === true ? {} : l.batchNorm) : undefined;
    const activation = bn ? 'linear' : act;
    let block: Block;
    if (l.type === 'dense') {
      block = dense({ ...common, inputSize: size(shape), units: l.units, activation, init: bn ? initFor(act) : undefined });
    } else {
      if (shape.length !== 3) throw new FblError('SHAPE_MISMATCH', `${label}: layers[${i}] is conv2d but its input has shape [${shape}] (needs [h, w, c]; put convs before dense layers)`);
      block = conv2dBlock({
        ...common, inputShape: shape as [number, number, number], filters: l.filters, kernelSize: l.kernel,
        stride: l.stride, padding: l.padding, pool: l.pool, activation, init: bn ? initFor(act) : undefined,
      });
    }
    blocks.push(bn ? withBatchNorm(block, act, bn) : block);
    shape = block.outputShape;
    });
  } catch (err) {
    blocks.forEach(disposeBlock); // no variables left behind by a bad spec
    throw err;
  }
  return sequential(blocks);
}

/** The initialiser a block with `activation` gets (he-normal for relu), kept when batch norm moves the activation out. */
function initFor(activation: ActivationName): InitName {
  return activation === 'relu' ? 'he-normal' : 'glorot-uniform';
}

/** `batchNorm` of a layer spec: a boolean, or `{ momentum?, epsilon? }` with momentum in [0, 1) and epsilon > 0. */
function batchNormOf(v: unknown, path: string, fail: Fail, what: string): boolean | BatchNormOptions {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, 'must be true, false or { momentum?, epsilon? }', v);
  knownKeys(v, path, 'batchNorm', what);
  const o = v as Record<string, unknown>;
  const num = (k: 'momentum' | 'epsilon', ok: (x: number) => boolean, msg: string) =>
    o[k] === undefined ? {} : typeof o[k] === 'number' && ok(o[k]) ? { [k]: o[k] } : fail(`${path}.${k}`, msg, o[k]);
  return { ...num('momentum', (x) => x >= 0 && x < 1, 'must be a number in [0, 1)'), ...num('epsilon', (x) => x > 0 && Number.isFinite(x), 'must be a positive number') };
}
