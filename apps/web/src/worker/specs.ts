import { presetSpec, type ActivationName, type ModelSpec } from '@feedback-lab/core';
import type { RunConfig } from '../protocol';

/** An MLP of `arch` widths with `activation` on its hidden layers and linear logits. */
export function mlpSpec(arch: readonly number[], activation: ActivationName): ModelSpec & { name: string } {
  return {
    name: `mlp-${arch.join('-')}`,
    input: [arch[0]!],
    layers: arch.slice(1).map((units, i) => ({ type: 'dense', units, activation: i === arch.length - 2 ? 'linear' : activation })),
  };
}

/**
 * The spec of the model a run trains, for data of `inputShape` with `numClasses` classes (default
 * MNIST's): the preset's (long-fc and deep-mlp take any input size, long-conv any image), or the MLP.
 * It is also checkpoint's export spec.
 */
export function runSpec(c: RunConfig, data: { inputShape: readonly number[]; numClasses: number } = { inputShape: [784], numClasses: 10 }): ModelSpec & { name: string } {
  if (c.preset) return { ...presetSpec(c.preset, data), name: c.preset };
  return mlpSpec(c.arch, c.activation);
}
