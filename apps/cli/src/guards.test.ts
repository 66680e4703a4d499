import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';
import { spawnCli } from './spawn-cli';

const root = mkdtempSync(join(tmpdir(), 'fbl-guards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = runCli;

// lr 1e300 is Infinity in float32: the first update turns the weights into ±Inf/NaN
const DIVERGING = ['train', '--dataset', 'blobs', '--arch', '8-16-4', '--epochs', '2', '--batch-size', '40', '--optimizer', 'sgd', '--lr', '1e300'];

describe('guards through the CLI', () => {
  it('--on-diverge stop: one line naming step, rule and the last good checkpoint, exit 1', async () => {
    const dir = join(root, 'stop');
    const r = await run(...DIVERGING, '--rule', 'dfa', '--checkpoint-dir', dir, '--checkpoint-every', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fbl: (loss became NaN|a weight became NaN or Inf) at step \d+ \(epoch 1\) with rule dfa; (last good checkpoint: .*checkpoint\.fblc \(step \d+\)|no checkpoint was written); lower the learning rate\n$/);
  });

  it('--on-diverge skip-batch: warns per skipped batch and stops when an epoch trained nothing', async () => {
    const r = await run(...DIVERGING, '--rule', 'bp', '--on-diverge', 'skip-batch');
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines.slice(0, -1).every((l) => /^fbl: warning: skipped the batch of step \d+ \(epoch [12]\): .*; the step was undone$/.test(l))).toBe(true);
    expect(lines.length).toBe(11);
    // Every batch of the (10-batch) first epoch was skipped: it stops there, before the 11-in-a-row limit.
    expect(lines.at(-1)).toBe('fbl: the epoch trained nothing: all 10 of its batches were skipped (the last: a weight became NaN or Inf) at step 9 (epoch 1) with rule bp; no checkpoint was written; lower the learning rate (--lr)');
  });

  it('stops cleanly before the real wasm heap passes --heap-limit-mb (fresh process)', async () => {
    const r = await spawnCli(['train', '--dataset', 'mnist', '--limit', '512', '--arch', '784-2048-2048-10', '--batch-size', '256', '--epochs', '1', '--heap-limit-mb', '100']).done;
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fbl: the wasm heap would reach about \d+ MiB \(heap \d+ MiB, step needs ~\d+ MiB\) at step 0; the limit is 100 MiB/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
