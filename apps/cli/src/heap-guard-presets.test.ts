import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, presetSpec, softmaxCrossEntropy, type ModelSpec } from '@feedback-lab/core';
import { DEFAULT_HEAP_LIMIT, heapGuard, predictMemory, wasmHeapBytes } from '@feedback-lab/profiler';
import { useBackend } from '@feedback-lab/test-utils';
import { createOptimizer } from '@feedback-lab/trainer';
import { RULE_NAMES, ruleByName } from '@feedback-lab/rules';

// The heap guard as `fbl train` builds it (memory-model prediction before the first measured
// step, then the measured transient bytes), on random batches of each preset's input shape:
// two steps each, since step 1 is where the old heap/engine ratio refused cifar-conv.
const PRESETS = ['mnist-fc', 'mnist-conv', 'cifar-conv', 'deep-mlp-8'];

async function twoGuardedSteps(spec: ModelSpec, rule: string, B: number, predicted: boolean): Promise<number> {
  const classes = 10;
  const model = buildModel(spec, { inputShape: spec.input, numClasses: classes, seed: 1 });
  const r = await ruleByName(rule).create({ seed: 1 });
  const optimizer = createOptimizer({ name: 'momentum', lr: 0.001 });
  const labels = Uint8Array.from({ length: B }, (_, i) => i % classes);
  const batch = {
    x: tf.randomUniform([B, ...spec.input], 0, 1, 'float32', 1),
    y: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes), 'float32')),
    labels, size: B,
  };
  let measured: number | undefined;
  const need = predicted ? predictMemory({ spec, batchSize: B, rule: ruleByName(rule) }).peakTransientBytes : undefined;
  const guard = heapGuard({ limitBytes: DEFAULT_HEAP_LIMIT, predictStepBytes: () => measured ?? need });
  try {
    for (let step = 0; step < 2; step++) {
      const start = tf.memory().numBytes;
      const info = await tf.profile(() => {
        guard.wrapStep(() => r.step(model, batch, optimizer, { loss: softmaxCrossEntropy, step }), { step, epoch: 1 } as never);
        return [];
      });
      measured = info.peakBytes - start;
    }
    return guard.peakHeap;
  } finally {
    tf.dispose([batch.x, batch.y]);
    r.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

describe('the heap guard lets every preset × rule start under the default limit', () => {
  beforeAll(() => useBackend('wasm'));
  for (const preset of PRESETS) {
    it.each(RULE_NAMES.flatMap((rule) => [64, 128].map((B) => [rule, B] as const)))(`${preset} %s batch %i`, async (rule, B) => {
      const heap = await twoGuardedSteps(presetSpec(preset), rule, B, true);
      expect(heap).toBeLessThan(DEFAULT_HEAP_LIMIT);
    });
  }

  it('also without a prediction for the first step (the measured need then jumps from 0)', async () => {
    await expect(twoGuardedSteps(presetSpec('cifar-conv'), 'bp', 128, false)).resolves.toBeGreaterThan(0);
    expect(wasmHeapBytes()).toBeLessThan(DEFAULT_HEAP_LIMIT);
  });
});
