import { mlp, selectBackend, type Dataset, type LearningRule, type Model } from '@feedback-lab/core';
import { loadMnist } from '@feedback-lab/datasets/node';

/**
 * The trainer functions the check runs: pass `{ createTrainer, createOptimizer }` from
 * @feedback-lab/trainer. Taken as an argument because the trainer's own tests use this package.
 */
export interface TrainerApi<Opt extends { dispose(): void }> {
  createOptimizer(o: { name: 'momentum'; lr: number }): Opt;
  createTrainer(o: { model: Model; rule: LearningRule; optimizer: Opt; dataset: Dataset; seed: number }): {
    fit(o: { epochs: number; batchSize: number; limit?: number }): Promise<readonly { testAccuracy: number; samplesPerSec: number }[]>;
  };
}

/** The real-data check every rule runs: first 10 000 MNIST images, one epoch, full test set. */
export const MNIST_CHECK = { arch: [784, 256, 256, 10], activation: 'tanh', optimizer: 'momentum', lr: 0.01, batchSize: 16, limit: 10_000 } as const;

/**
 * Trains a fresh model with `rule` under {@link MNIST_CHECK} and returns the test accuracy,
 * logging the configuration and speed so the number can be quoted.
 */
export async function mnistAccuracy<Opt extends { dispose(): void }>(
  name: string, rule: LearningRule, trainer: TrainerApi<Opt>, log: (line: string) => void = console.log,
): Promise<number> {
  const { createOptimizer, createTrainer } = trainer;
  const c = MNIST_CHECK;
  const backend = await selectBackend('wasm');
  const model = mlp({ arch: c.arch, activation: c.activation, seed: 1 });
  const optimizer = createOptimizer({ name: c.optimizer, lr: c.lr });
  try {
    const trainer = createTrainer({ model, rule, optimizer, dataset: loadMnist(), seed: 1 });
    const [epoch] = await trainer.fit({ epochs: 1, batchSize: c.batchSize, limit: c.limit });
    log(`${name} mnist ${c.arch.join('-')} ${c.activation} ${c.optimizer} lr ${c.lr} batch ${c.batchSize}, ${c.limit} samples, 1 epoch, ` +
      `${backend.name}: test ${epoch!.testAccuracy}, ${epoch!.samplesPerSec.toFixed(0)} samples/s`);
    return epoch!.testAccuracy;
  } finally {
    rule.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
