import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, FblError, mlp, selectBackend } from '@feedback-lab/core';
import { spirals } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { createTrainer } from '@feedback-lab/trainer';
import { heapGuard } from './heap-guard';
import { wasmHeapBytes } from './heap';
import { stepMemoryProfiler } from './step-memory';

const setup = () => ({ model: mlp({ arch: [2, 64, 3], seed: 1 }), rule: bp(), optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }), dataset: spirals({ perClass: 40 }) });
const fail = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as FblError;

describe('heapGuard', () => {
  it.each([
    [850, /^the wasm heap reached 900 MiB at step 1; the limit is 850 MiB \(wasm32 maximum 4096 MiB\)/, [1]],
    [1000, /^the wasm heap would reach about 1100 MiB \(heap 1100 MiB, step needs ~0 MiB\) at step 2; the limit is 1000 MiB/, [1, 2]],
  ])('stops cleanly at a (simulated) heap limit of %i MiB', async (limit, message, done) => {
    await selectBackend('wasm');
    const MiB = 2 ** 20;
    let heap = 100 * MiB;
    const steps: number[] = [];
    const s = setup();
    const trainer = createTrainer({
      ...s, callbacks: [heapGuard({ limitBytes: limit * MiB, readHeap: () => (heap += 200 * MiB) }), { onBatchEnd: (e) => void steps.push(e.step) }],
    });
    const err = await fail(trainer.fit({ epochs: 1, batchSize: 10 }));
    expect(err).toBeInstanceOf(FblError);
    expect(err.code).toBe('MEMORY_BUDGET');
    expect(err.message).toMatch(message);
    expect(steps).toEqual(done);
    s.model.dispose();
  });

  it('refuses a step whose predicted need would pass the limit, leaving the weights untouched', async () => {
    await selectBackend('wasm');
    const s = setup();
    const before = s.model.blocks[0]!.params[0]!.dataSync().slice();
    const heap = wasmHeapBytes()!;
    expect(heap).toBeGreaterThan(2 ** 20);
    const guard = heapGuard({ limitBytes: heap + 2 ** 20, predictStepBytes: () => 64 * 2 ** 20 });
    const tensors = tf.memory().numTensors;
    const err = await fail(createTrainer({ ...s, callbacks: [guard] }).fit({ epochs: 1, batchSize: 10 }));
    expect(err.code).toBe('MEMORY_BUDGET');
    expect(err.message).toMatch(/would reach about \d+ MiB .* step needs ~64 MiB\) at step 0/);
    expect(s.model.blocks[0]!.params[0]!.dataSync()).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    s.model.dispose();
  });

  it('projects later steps as the mapped heap plus growth, not as a ratio of engine bytes', async () => {
    await selectBackend('wasm');
    const MiB = 2 ** 20;
    // A conv-like heap: 100 MiB mapped for a step whose tensors need ~2 MiB (kernel scratch).
    // The old heap/engine ratio (50×) then refused a step needing 80 MiB at 4 GiB; mapped plus
    // growth admits it (100 + 2.5 × 78 MiB) and still refuses a need that cannot fit.
    const run = (need: number) => {
      let heap = 10 * MiB;
      let next = 2 * MiB;
      const guard = heapGuard({ limitBytes: 400 * MiB, readHeap: () => heap, predictStepBytes: () => next });
      const zero = tf.scalar(0);
      try {
        guard.wrapStep!(() => ((heap = 100 * MiB), zero), { step: 0, epoch: 1 });
        next = need;
        guard.wrapStep!(() => zero, { step: 1, epoch: 1 });
      } finally {
        zero.dispose();
      }
    };
    expect(() => run(80 * MiB)).not.toThrow();
    expect(() => run(200 * MiB)).toThrow(/would reach about 5\d\d MiB \(heap 100 MiB, step needs ~200 MiB\) at step 1/);
  });

  it('uses the profiler as its predictor and lets a normal run through on the real wasm heap', async () => {
    await selectBackend('wasm');
    const s = setup();
    const prof = stepMemoryProfiler({ every: 10 });
    const guard = heapGuard({ predictStepBytes: () => prof.records.at(-1)?.transientBytes });
    await createTrainer({ ...s, callbacks: [guard, prof] }).fit({ epochs: 2, batchSize: 10 });
    expect(guard.peakHeap).toBe(wasmHeapBytes());
    expect(prof.records.length).toBeGreaterThan(0);
    s.model.dispose();
  });

  it('does nothing on backends without a wasm heap', async () => {
    await selectBackend('cpu');
    expect(wasmHeapBytes()).toBeUndefined();
    const s = setup();
    await createTrainer({ ...s, callbacks: [heapGuard({ limitBytes: 1 })] }).fit({ epochs: 1, batchSize: 40 });
    s.model.dispose();
  });
});
