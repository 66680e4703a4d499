import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, FblError, mlp, type LearningRule } from '@feedback-lab/core';
import { spirals } from '@feedback-lab/datasets';
import { bp } from '@feedback-lab/rule-bp';
import { NODE_BACKENDS, scriptedRule, useBackend } from '@feedback-lab/test-utils';
import { explosionGuard, type ExplosionOptions } from './divergence';
import { createTrainer } from './trainer';

/** Trains a real 2-16-3 tanh MLP with plain SGD at `lr`; returns every batch loss and the error. */
async function train(lr: number, explosion?: ExplosionOptions | false, epochs = 3) {
  const model = mlp({ arch: [2, 16, 3], activation: 'tanh', seed: 1 });
  const opt = createOptimizer({ name: 'sgd', lr });
  const losses: number[] = [];
  const saved: number[] = [];
  const trainer = createTrainer({
    model, rule: bp(), optimizer: opt, dataset: spirals({ perClass: 40 }), explosion,
    callbacks: [{ onBatchEnd: (e) => void losses.push(e.loss) }],
    checkpoint: { every: 1, save: async (p) => (saved.push(p.step), `ckpt/step-${p.step}`) },
  });
  const before = tf.memory().numTensors;
  const err: unknown = await trainer.fit({ epochs, batchSize: 10 }).then(() => undefined, (e: unknown) => e);
  const leaked = tf.memory().numTensors - before;
  opt.dispose();
  model.dispose();
  return { losses, err, leaked, saved };
}

/** Feeds `losses` to a fresh guard; returns the index of the step that stopped it, or -1. */
function tripsAt(losses: readonly number[], o?: ExplosionOptions): number {
  const guard = explosionGuard(o);
  return losses.findIndex((l) => guard.observe(l) !== undefined);
}

/** Seeded noise, so the noisy sequences are the same on every run. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe.each(NODE_BACKENDS)('explosion guard on %s', (backend) => {
  it('stops a real run whose loss explodes to large finite values, naming step, rule and the fix', async () => {
    await useBackend(backend);
    // lr 1000 on a tanh MLP: the logits grow by orders of magnitude but tanh keeps them finite.
    const { losses, err, leaked, saved } = await train(1000);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(err).toBeInstanceOf(FblError);
    expect((err as FblError).code).toBe('DIVERGED');
    // Step 0 sets the starting value (≈ ln 3); steps 1–5 are ≥ 100× it, so step 5 stops the run.
    expect(losses[0]).toBeLessThan(1.2);
    expect(losses.slice(1).every((l) => l >= 100 * losses[0]!)).toBe(true);
    expect(losses).toHaveLength(5); // batchEnd of step 5 is never emitted: the run stopped in it
    expect((err as Error).message).toMatch(
      /^loss exploded to [\d.e+]+, ≥ 100× its starting value 1\.\d+ for 5 steps in a row at step 5 \(epoch 1\) with rule bp; last good checkpoint: ckpt\/step-1 \(step 1\); lower the learning rate \(--lr\)$/,
    );
    expect(saved).toEqual([1, 2, 3, 4, 5]); // written during the explosion, but not called good
    expect(leaked).toBe(0);
  });

  it('a normally decreasing loss never trips it', async () => {
    await useBackend(backend);
    const { losses, err } = await train(0.5, undefined, 8);
    expect(err).toBeUndefined();
    expect(losses).toHaveLength(8 * 12);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });

  it('`explosion: false` lets the exploding run go to the end', async () => {
    await useBackend(backend);
    const { losses, err } = await train(1000, false, 1);
    expect(err).toBeUndefined();
    expect(Math.max(...losses)).toBeGreaterThan(1000 * losses[0]!);
  });
});

describe('explosionGuard', () => {
  it('never trips on a noisy loss, nor on spikes shorter than `steps`', () => {
    const r = noise(7);
    // log-normal noise around a decaying loss: single batches up to ~40× the trend
    const noisy = Array.from({ length: 5000 }, (_, i) => 2.3 * Math.exp(-i / 1000) * Math.exp(3 * (r() - 0.5) * 2.5));
    expect(Math.max(...noisy) / Math.min(...noisy)).toBeGreaterThan(100);
    expect(tripsAt(noisy)).toBe(-1);
    // 4 steps at 1000× the start, then back: not an explosion; the 5th step in a row is
    const spike = (n: number) => [...Array(5).fill(2.3), ...Array(n).fill(2300), ...Array(20).fill(2)];
    expect(tripsAt(spike(4))).toBe(-1);
    expect(tripsAt(spike(5))).toBe(9);
  });

  it('starts from the mean of the first steps, ignoring ones already over the threshold', () => {
    expect(tripsAt([2, 4, 3, 2, 4, 299, 299, 299, 299, 299])).toBe(-1); // start 3: threshold 300
    expect(tripsAt([2, 4, 3, 2, 4, 300, 300, 300, 300, 300])).toBe(9);
    // exploding from step 1: the start stays step 0's 2, not the mean with the huge values
    expect(tripsAt([2, 1e4, 1e5, 1e6, 1e6, 1e6, 1e6])).toBe(5);
  });

  it('the floor keeps a low-loss (resumed) run from tripping on a rise to 1.5', () => {
    const low = [...Array(5).fill(0.01), ...Array(20).fill(1.5)];
    expect(tripsAt(low)).toBe(-1);
    expect(tripsAt(low, { floor: 0 })).toBe(9);
  });

  it('follows factor and steps, and names them in the message', () => {
    const g = explosionGuard({ factor: 10, steps: 2, warmup: 1 });
    expect(g.observe(2)).toBeUndefined();
    expect(g.observe(20)).toBeUndefined();
    expect(g.streak).toBe(1);
    expect(g.observe(25)).toBe('loss exploded to 25, ≥ 10× its starting value 2 for 2 steps in a row');
  });

  it('rejects settings that could never work', () => {
    for (const bad of [{ factor: 1 }, { factor: NaN }, { steps: 0 }, { steps: 1.5 }, { warmup: 0 }, { floor: -1 }]) {
      expect(() => explosionGuard(bad)).toThrow(FblError);
    }
    expect(() => explosionGuard({ factor: 0.5 })).toThrow(/^explosion\.factor must be a number > 1, got 0\.5$/);
  });
});

// A rule whose loss is scripted, to check the trainer's wiring without training a network.
it('the trainer names the feedback scale for random-feedback rules', async () => {
  await useBackend('cpu');
  const model = mlp({ arch: [2, 4, 3], seed: 1 });
  const rule = scriptedRule('fa', (step) => (step === 0 ? 2 : 5000));
  const trainer = createTrainer({ model, rule, optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }), dataset: spirals({ perClass: 20 }), onDiverge: 'skip-batch' });
  await expect(trainer.fit({ epochs: 1, batchSize: 10 })).rejects.toThrow(
    /^loss exploded to 5000, ≥ 100× its starting value 2 for 5 steps in a row at step 5 \(epoch 1\) with rule fa; no checkpoint was written; lower the learning rate \(--lr\) or the feedback scale \(--feedback-scale\)$/,
  );
  model.dispose();
});
