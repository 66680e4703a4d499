import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

describe('a loss explosion through the CLI', () => {
  it('stops with one line naming the loss, step, rule and the fix, exit 1', async () => {
    // lr 1e5 on a tanh MLP: the loss jumps by ~10³ but tanh keeps it finite (no NaN to catch)
    const r = await runCli('train', '--dataset', 'blobs', '--arch', '8-16-4', '--activation', 'tanh', '--epochs', '2',
      '--batch-size', '40', '--optimizer', 'sgd', '--lr', '1e5', '--rule', 'fa', '--feedback', 'xavier');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^fbl: loss exploded to [\d.e+]+, ≥ 100× its starting value [\d.]+ for 5 steps in a row at step 5 \(epoch 1\) with rule fa; no checkpoint was written; lower the learning rate \(--lr\) or the feedback scale \(--feedback-scale\)\n$/,
    );
    expect(r.out).not.toMatch(/^done:/m);
  });
});
