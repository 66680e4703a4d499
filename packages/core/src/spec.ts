import { ACTIVATIONS, type ActivationName } from './activations';
import { conv2dBlock } from './conv-block';
import { dense } from './dense';
import { FblError } from './errors';
import { sequential, size } from './model';
import type { PoolOptions } from './pool';
import { deriveSeed } from './rng';
import type { Block, Model } from './types';

export interface DenseLayerSpec {
  type: 'dense';
  units: number;
  activation?: ActivationName;
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
 * Checks an untrusted spec (e.g. parsed JSON) and returns it typed. Errors name the path of
 * the bad value, e.g. `layers[1].filters must be a positive integer, got "x"`.
 */
export function validateSpec(raw: unknown, what = 'model spec'): ModelSpec {
  const fail = (path: string, msg: string, v: unknown): never => {
    throw new FblError('INVALID_OPTION', `${what}: ${path} ${msg}, got ${JSON.stringify(v)}`);
  };
  const posInt = (v: unknown, path: string) => (Number.isInteger(v) && (v as number) > 0 ? (v as number) : fail(path, 'must be a positive integer', v));
  const oneOf = <T extends string>(v: unknown, path: string, options: readonly T[]): T =>
    (options as readonly unknown[]).includes(v) ? (v as T) : fail(path, `must be one of ${options.join(', ')}`, v);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('the top level', 'must be an object with "input" and "layers"', raw);
  const o = raw as Record<string, unknown>;
  if (!Array.isArray(o.input) || o.input.length < 1 || o.input.length > 3) fail('input', 'must be [features] or [height, width, channels]', o.input);
  const input = (o.input as unknown[]).map((v, i) => posInt(v, `input[${i}]`));
  if (!Array.isArray(o.layers) || o.layers.length === 0) fail('layers', 'must be a non-empty array', o.layers);
  const layers = (o.layers as unknown[]).map((l, i): DenseLayerSpec | Conv2dLayerSpec => {
    const p = `layers[${i}]`;
    if (typeof l !== 'object' || l === null) return fail(p, 'must be an object', l);
    const L = l as Record<string, unknown>;
    const activation = L.activation === undefined ? undefined : oneOf(L.activation, `${p}.activation`, ACTIVATIONS);
    if (L.type === 'dense') return { type: 'dense', units: posInt(L.units, `${p}.units`), activation };
    if (L.type !== 'conv2d') return fail(`${p}.type`, 'must be dense or conv2d', L.type);
    let pool: PoolOptions | undefined;
    if (L.pool !== undefined) {
      const q = (L.pool ?? {}) as Record<string, unknown>;
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
    };
  });
  return { name: typeof o.name === 'string' ? o.name : undefined, input, layers };
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
    let block: Block;
    if (l.type === 'dense') {
      block = dense({ ...common, inputSize: size(shape), units: l.units, activation: l.activation ?? (isLast ? 'linear' : 'relu') });
    } else {
      if (shape.length !== 3) throw new FblError('SHAPE_MISMATCH', `${label}: layers[${i}] is conv2d but its input has shape [${shape}] (needs [h, w, c]; put convs before dense layers)`);
      block = conv2dBlock({
        ...common, inputShape: shape as [number, number, number], filters: l.filters, kernelSize: l.kernel,
        stride: l.stride, padding: l.padding, pool: l.pool, activation: l.activation ?? 'relu',
      });
    }
    blocks.push(block);
    shape = block.outputShape;
    });
  } catch (err) {
    blocks.forEach((b) => b.params.forEach((p) => p.dispose())); // no variables left behind by a bad spec
    throw err;
  }
  return sequential(blocks);
}
