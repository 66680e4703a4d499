import * as tf from '@tensorflow/tfjs-core';
import { dense } from './dense';
import { check, FblError } from './errors';
import { deriveSeed } from './rng';
import type { ActivationName } from './activations';
import type { Block, Model } from './types';

/** Chains blocks into a model; checks that adjacent shapes agree. */
export function sequential(blocks: readonly Block[]): Model {
  check(blocks.length > 0, 'a model needs at least one block', 'SHAPE_MISMATCH');
  for (let i = 1; i < blocks.length; i++) {
    const prev = blocks[i - 1]!.outputShape;
    const cur = blocks[i]!.inputShape;
    if (size(prev) !== size(cur)) {
      throw new FblError('SHAPE_MISMATCH', `block ${blocks[i]!.name} expects input [${cur}] but ${blocks[i - 1]!.name} outputs [${prev}]`);
    }
  }
  const last = blocks[blocks.length - 1]!;
  return {
    blocks,
    inputShape: blocks[0]!.inputShape,
    numClasses: size(last.outputShape),
    forward: (x) =>
      tf.tidy(() => blocks.reduce<tf.Tensor>((h, b) => b.forward(h), x)),
    dispose: () => blocks.forEach(disposeBlock),
  };
}

/** Frees a block's params and its non-trainable state. */
export function disposeBlock(b: Block): void {
  b.params.forEach((p) => p.dispose());
  b.stats?.dispose();
}

export interface MlpOptions {
  /** Layer widths including input and output, e.g. [784, 800, 800, 10]. */
  arch: readonly number[];
  /** Hidden activation; the last block is linear (logits). */
  activation?: ActivationName;
  seed?: number;
}

/**
 * A multilayer perceptron of dense blocks.
 *
 * @example
 * const model = mlp({ arch: [784, 800, 800, 10], activation: 'tanh', seed: 1 });
 */
export function mlp(o: MlpOptions): Model {
  check(o.arch.length >= 2, `an MLP needs at least input and output widths, got [${o.arch}]`);
  for (const w of o.arch) check(Number.isInteger(w) && w > 0, `layer widths must be positive integers, got [${o.arch}]`);
  const seed = o.seed ?? 0;
  const blocks: Block[] = [];
  for (let i = 1; i < o.arch.length; i++) {
    const last = i === o.arch.length - 1;
    blocks.push(
      dense({
        name: `dense${i}`,
        inputSize: o.arch[i - 1]!,
        units: o.arch[i]!,
        activation: last ? 'linear' : (o.activation ?? 'relu'),
        seed: deriveSeed(seed, 'init', i),
      }),
    );
  }
  return sequential(blocks);
}

/** Parses "784-800-800-10" into widths, with a clear error for anything else. */
export function parseArch(text: string): number[] {
  const parts = text.split('-');
  const widths = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w <= 0)) {
    throw new FblError('INVALID_OPTION', `--arch must be widths joined by '-', e.g. 784-800-10; got "${text}"`);
  }
  return widths;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
