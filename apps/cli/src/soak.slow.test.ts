import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mlp, selectBackend } from '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { heapGuard, wasmHeapBytes } from '@feedback-lab/profiler';
import { createOptimizer, createTrainer } from '@feedback-lab/trainer';
import { RULE_NAMES, ruleByName } from '@feedback-lab/rules';

// Soak: every registered rule for FBL_SOAK_STEPS steps (default 10 000) on a small MLP through
// the real trainer (divergence and heap guards on). After a warm-up epoch, the tensor count and
// the wasm heap must not move. CI runs a bounded form: FBL_SOAK_STEPS=2000.
const STEPS = Number(process.env.FBL_SOAK_STEPS ?? 10_000);
const BATCH = 32;
const PER_EPOCH = 100; // 3 200 samples / 32

describe.each(RULE_NAMES)('soak: %s', (name) => {
  it(`${STEPS} steps keep tensors and wasm heap flat`, async () => {
    await selectBackend('wasm', { strict: true });
    const dataset = blobs({ numClasses: 4, dim: 8, perClass: 800, seed: 2 });
    const model = mlp({ arch: [8, 32, 32, 4], activation: 'tanh', seed: 1 });
    const rule = await ruleByName(name).create({ seed: 1 });
    const optimizer = createOptimizer({ name: 'momentum', lr: 0.01 });
    const marks: { step: number; tensors: number; heap: number; bytes: number; jsHeap: number }[] = [];
    const mark = (step: number) => marks.push({ step, tensors: tf.memory().numTensors, heap: wasmHeapBytes()!, bytes: tf.memory().numBytes, jsHeap: process.memoryUsage().heapUsed });
    const epochs = Math.ceil(STEPS / PER_EPOCH);
    const t0 = performance.now();
    const trainer = createTrainer({
      model, rule, optimizer, dataset, seed: 1,
      callbacks: [heapGuard(), { onEpochEnd: (e) => void mark(e.step) }],
    });
    const last = await trainer.fit({ epochs, batchSize: BATCH, trainEvalLimit: 256, testEvalLimit: 256 });
    const seconds = (performance.now() - t0) / 1000;
    const [warm, end] = [marks[0]!, marks[marks.length - 1]!];
    const mib = (b: number) => (b / 2 ** 20).toFixed(2);
    console.log(`soak ${name}: ${end.step} steps in ${seconds.toFixed(1)} s; after warm-up (step ${warm.step}) tensors ${warm.tensors}, ` +
      `wasm heap ${mib(warm.heap)} MiB, tensor bytes ${warm.bytes}, JS heap ${mib(warm.jsHeap)} MiB; at the end tensors ${end.tensors}, ` +
      `wasm heap ${mib(end.heap)} MiB, tensor bytes ${end.bytes}, JS heap ${mib(end.jsHeap)} MiB; final test acc ${last.at(-1)!.testAccuracy}`);
    expect(end.step).toBeGreaterThanOrEqual(STEPS);
    expect(marks.every((m) => m.tensors === warm.tensors)).toBe(true);
    expect(end.bytes).toBe(warm.bytes);
    expect(end.heap).toBe(warm.heap);
    expect(last.at(-1)!.testAccuracy).toBeGreaterThan(0.9);
    rule.dispose();
    optimizer.dispose();
    model.dispose();
  }, 600_000);
});
