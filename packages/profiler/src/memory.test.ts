import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it, beforeAll } from 'vitest';
import { createOptimizer, FblError, buildModel, mlp, presetSpec, softmaxCrossEntropy, type Batch, type LearningRule } from '@feedback-lab/core';
import { bp, bpRule } from '@feedback-lab/rule-bp';
import { dfa, dfaRule } from '@feedback-lab/rule-dfa';
import { fa, faRule } from '@feedback-lab/rule-fa';
import { memDfa, memDfaRule } from '@feedback-lab/rule-mem-dfa';
import { useBackend } from '@feedback-lab/test-utils';
import { checkMemoryBudget } from './budget';
import { predictMemory } from './memory-model';
import { profileStep } from './step-profile';

const RULES: Record<string, () => LearningRule> = { bp, fa, dfa, 'mem-dfa': memDfa };
/** The rules' descriptors: their memory formulas are what is checked here. */
const MODELS = { bp: bpRule, fa: faRule, dfa: dfaRule, 'mem-dfa': memDfaRule } as const;
const memoryOf = (rule: string) => MODELS[rule as keyof typeof MODELS];

function batchOf(size: number, dim: number, classes: number): Batch {
  const labels = Uint8Array.from({ length: size }, (_, i) => i % classes);
  return {
    x: tf.tidy(() => tf.randomUniform([size, dim], 0, 1, 'float32', 1)),
    y: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes), 'float32')),
    labels,
    size,
  };
}

async function measure(rule: string, width: number, depth: number, batchSize: number) {
  const arch = [width, ...Array<number>(depth).fill(width), 10];
  const model = mlp({ arch, activation: 'tanh', seed: 1 });
  const r = RULES[rule]!();
  const optimizer = createOptimizer({ name: 'momentum', lr: 0.01 });
  const batch = batchOf(batchSize, width, 10);
  const p = await profileStep({ model, rule: r, optimizer, batch, loss: softmaxCrossEntropy });
  tf.dispose([batch.x, batch.y]);
  r.dispose();
  optimizer.dispose();
  model.dispose();
  return { p, predicted: predictMemory({ arch, batchSize, rule: memoryOf(rule) }) };
}

describe('memory vs depth', () => {
  beforeAll(() => useBackend('wasm'));

  it('MEM-DFA\'s peak transient bytes are flat in depth (20 vs 2 within 10%); BP\'s grow at least 3×', async () => {
    const mem2 = (await measure('mem-dfa', 64, 2, 32)).p.peakTransientBytes;
    const mem20 = (await measure('mem-dfa', 64, 20, 32)).p.peakTransientBytes;
    const bp2 = (await measure('bp', 64, 2, 32)).p.peakTransientBytes;
    const bp20 = (await measure('bp', 64, 20, 32)).p.peakTransientBytes;
    console.log(`width 64 batch 32: mem-dfa ${mem2} → ${mem20} B (×${(mem20 / mem2).toFixed(3)}), bp ${bp2} → ${bp20} B (×${(bp20 / bp2).toFixed(2)})`);
    expect(Math.abs(mem20 / mem2 - 1)).toBeLessThanOrEqual(0.1);
    expect(bp20 / bp2).toBeGreaterThanOrEqual(3); // ×3.95 measured: activations and gradients, one of each per block
  });

  // Peak transient: never under by more than the fit's 5 % (a budget check must not let through a
  // step that does not fit), over by at most 20 %. DFA's formula over-predicts this small MLP by
  // 16 %: its coefficients were fitted when ∂W's xᵀ was a transposed copy on every product; with
  // wasm-gemm (transposes inside the pack) dense blocks make none, conv blocks still do.
  it.each(['bp', 'fa', 'dfa', 'mem-dfa'])('%s: the model predicts resident bytes exactly and peak transient within −5 % / +20 %', async (rule) => {
    for (const [width, depth, batch] of [[96, 7, 48], [160, 3, 64]] as const) {
      const { p, predicted } = await measure(rule, width, depth, batch);
      expect(p.resident.weights).toBe(predicted.resident.weights);
      expect(p.resident.feedback).toBe(predicted.resident.feedback);
      expect(p.resident.batch).toBe(predicted.resident.batch);
      // optimizer slots, plus the momentum scalar(s) tfjs keeps
      expect(Math.abs(p.resident.optimizer - predicted.resident.optimizer)).toBeLessThan(1024);
      const over = predicted.peakTransientBytes / p.peakTransientBytes - 1;
      expect(over, `${rule} ${width}×${depth} batch ${batch}`).toBeGreaterThanOrEqual(-0.05);
      expect(over, `${rule} ${width}×${depth} batch ${batch}`).toBeLessThanOrEqual(0.2);
    }
  });

  it('marks each phase of a MEM-DFA step, with per-block feedback and update phases', async () => {
    const { p } = await measure('mem-dfa', 32, 3, 16);
    expect(p.phases.map((x) => x.phase)).toEqual([
      'forward', 'error',
      ...[1, 2, 3, 4].flatMap((i) => [`feedback:dense${i}`, `update:dense${i}`]),
    ]);
    expect(Math.max(...p.phases.map((x) => x.peakTransientBytes))).toBe(p.peakTransientBytes);
    expect(p.timeline.length).toBe(p.phases.reduce((s, x) => s + x.kernels, 0));
    expect(p.wasmHeapBytes).toBeGreaterThan(0);
  });
});

describe('memory of conv nets and of MLPs whose largest block is not the first', () => {
  // The formulas are fitted to convolutions as products (their filter gradients transpose x and
  // dy); Winograd's kernels make none of those copies, so there the model is an upper bound
  // (checked below).
  beforeAll(async () => {
    process.env.FBL_WINOGRAD = '0';
    await useBackend('wasm');
  });
  afterAll(async () => {
    delete process.env.FBL_WINOGRAD;
    await useBackend('wasm');
  });

  async function measureSpec(rule: string, spec: ReturnType<typeof presetSpec>, batchSize: number) {
    const model = buildModel(spec, { inputShape: spec.input, numClasses: 10, seed: 1 });
    const r = RULES[rule]!();
    const optimizer = createOptimizer({ name: 'momentum', lr: 0.01 });
    const flat = batchOf(batchSize, spec.input.reduce((a, b) => a * b, 1), 10);
    const batch = { ...flat, x: tf.reshape(flat.x, [batchSize, ...spec.input]) };
    const p = await profileStep({ model, rule: r, optimizer, batch, loss: softmaxCrossEntropy });
    tf.dispose([flat.x, batch.x, batch.y]);
    r.dispose();
    optimizer.dispose();
    model.dispose();
    return { p, predicted: predictMemory({ spec, batchSize, rule: memoryOf(rule) }) };
  }

  it('with Winograd\'s convolutions (the default on wasm) a cifar-conv step holds less, and the model is an upper bound', async () => {
    const spec = presetSpec('cifar-conv');
    for (const rule of ['bp', 'dfa']) {
      const products = (await measureSpec(rule, spec, 32)).p.peakTransientBytes;
      delete process.env.FBL_WINOGRAD;
      await useBackend('wasm');
      try {
        const { p, predicted } = await measureSpec(rule, spec, 32);
        expect(p.peakTransientBytes, rule).toBeLessThan(products);
        expect(p.peakTransientBytes, rule).toBeLessThanOrEqual(predicted.peakTransientBytes);
      } finally {
        process.env.FBL_WINOGRAD = '0';
        await useBackend('wasm');
      }
    }
  });

  it.each(['bp', 'fa', 'dfa', 'mem-dfa'])('%s on mnist-conv and cifar-conv: peak transient within 10%, resident exactly', async (rule) => {
    for (const preset of ['mnist-conv', 'cifar-conv']) {
      const { p, predicted } = await measureSpec(rule, presetSpec(preset), 32);
      expect(p.resident.weights).toBe(predicted.resident.weights);
      expect(p.resident.feedback).toBe(predicted.resident.feedback);
      expect(p.resident.batch).toBe(predicted.resident.batch);
      expect(Math.abs(p.peakTransientBytes / predicted.peakTransientBytes - 1), `${rule} ${preset}`).toBeLessThanOrEqual(0.1);
    }
  });

  it.each(['bp', 'mem-dfa'])('%s: a 32→512→512 MLP peaks in its largest block, not block 0 (within 10%)', async (rule) => {
    const spec = { input: [64], layers: [32, 512, 512, 10].map((units) => ({ type: 'dense' as const, units })) };
    const { p, predicted } = await measureSpec(rule, spec, 32);
    expect(Math.abs(p.peakTransientBytes / predicted.peakTransientBytes - 1)).toBeLessThanOrEqual(0.1);
  });
});

describe('regenerated feedback on the tape', () => {
  beforeAll(() => useBackend('wasm'));

  it('FA: each regenerated B lives only while its block\'s gradient runs, so the step holds at most one', async () => {
    const arch = [64, 256, 256, 256, 256, 10];
    const step = async (feedback: 'stored' | 'regenerate') => {
      const model = mlp({ arch, activation: 'tanh', seed: 1 });
      const r = fa({ seed: 1, feedback });
      const optimizer = createOptimizer({ name: 'momentum', lr: 0.01 });
      const batch = batchOf(512, 64, 10);
      const p = await profileStep({ model, rule: r, optimizer, batch, loss: softmaxCrossEntropy });
      tf.dispose([batch.x, batch.y]);
      r.dispose();
      optimizer.dispose();
      model.dispose();
      return p;
    };
    const stored = await step('stored');
    const regen = await step('regenerate');
    const oneB = 4 * 256 * 256;
    expect(stored.resident.feedback).toBe(3 * oneB + 4 * 256 * 10);
    expect(regen.resident.feedback).toBe(0);
    // all three 256×256 B alive at once would add 3·oneB to the transient peak
    expect(regen.peakTransientBytes - stored.peakTransientBytes).toBeLessThanOrEqual(oneB);
    const total = (p: typeof stored) => p.resident.feedback + p.peakTransientBytes;
    expect(total(regen)).toBeLessThan(total(stored) - 2 * oneB);
    const predicted = predictMemory({ arch, batchSize: 512, rule: faRule, feedback: 'regenerate' }).peakTransientBytes;
    expect(Math.abs(regen.peakTransientBytes / predicted - 1)).toBeLessThanOrEqual(0.1);
  });
});

describe('memory budget guard', () => {
  it('stops a rule whose predicted peak exceeds the budget and names one that fits', () => {
    const arch = [784, ...Array<number>(100).fill(1024), 10];
    const bpNeed = predictMemory({ arch, batchSize: 512, rule: bpRule }).peakBytes;
    const memNeed = predictMemory({ arch, batchSize: 512, rule: memDfaRule, feedback: 'regenerate' }).peakBytes;
    const budget = Math.round((bpNeed + memNeed) / 2);
    let err: unknown;
    try {
      checkMemoryBudget({ arch, batchSize: 512, rule: bpRule }, budget, Object.values(MODELS));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FblError);
    expect((err as FblError).code).toBe('MEMORY_BUDGET');
    expect((err as Error).message).toMatch(/rule bp needs about \d+ MiB .* budget of \d+ MiB; --rule mem-dfa would fit/);
    expect((err as Error).message).toMatch(/would fit \(\d+ MiB\)$/);
    expect(() => checkMemoryBudget({ arch, batchSize: 512, rule: memDfaRule, feedback: 'regenerate' }, budget)).not.toThrow();
    expect(() => checkMemoryBudget({ arch, batchSize: 512, rule: memDfaRule }, 1000, Object.values(MODELS))).toThrow(/no rule fits/);
    // MEM-DFA fits only without its resident feedback matrices: the hint says so.
    const memDfaNeed = (feedback: 'stored' | 'regenerate') => predictMemory({ arch, batchSize: 512, rule: memDfaRule, feedback }).peakBytes;
    const between = Math.round((memDfaNeed('stored') + memDfaNeed('regenerate')) / 2);
    expect(() => checkMemoryBudget({ arch, batchSize: 512, rule: dfaRule }, between, [memDfaRule]))
      .toThrow(/; --rule mem-dfa would fit \(\d+ MiB, with --feedback-mode regenerate\)$/);
    // FA's regenerated B_k is made when the backward pass reaches block k and freed after it:
    // the step's peak drops by (almost) all the feedback bytes stored mode keeps resident.
    const fa = (feedback: 'stored' | 'regenerate') => predictMemory({ arch, batchSize: 512, rule: faRule, feedback });
    expect(fa('stored').peakBytes - fa('regenerate').peakBytes).toBeGreaterThan(0.95 * fa('stored').resident.feedback);
  });
});
