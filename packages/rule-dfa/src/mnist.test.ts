import { describe, expect, it } from 'vitest';
import { mnistAccuracy } from '@feedback-lab/test-utils';
import { createOptimizer, createTrainer } from '@feedback-lab/trainer';
import { dfa } from './dfa';

// Real data (two hidden layers, so the signal travels more than one hop); see MNIST_CHECK.
describe('DFA on real MNIST', () => {
  it('reaches at least 88% test accuracy after one epoch on 10 000 samples', async () => {
    expect(await mnistAccuracy('DFA', dfa({ seed: 1 }), { createOptimizer, createTrainer })).toBeGreaterThanOrEqual(0.88);
  });
});
