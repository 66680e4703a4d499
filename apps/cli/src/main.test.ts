import { describe, expect, it } from 'vitest';
import { main } from './main';
import type { Io } from './io';

function capture() {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: { isTTY: false, write: (t: string) => void (err += t) } };
  return { io, get out() { return out; }, get err() { return err; } };
}

async function run(...argv: string[]) {
  const c = capture();
  const code = await main(argv, c.io);
  return { code, out: c.out, err: c.err };
}

describe('fbl train', () => {
  it('trains and prints one JSON object per epoch plus a done line', async () => {
    const r = await run('train', '--dataset', 'spirals', '--arch', '2-16-3', '--epochs', '2', '--batch-size', '20', '--lr', '0.1', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['epoch', 'epoch', 'done']);
    for (const key of ['epoch', 'loss', 'trainAccuracy', 'testAccuracy', 'samplesPerSec', 'peakBytes', 'backend']) {
      expect(lines[0]).toHaveProperty(key);
    }
    expect(lines[2]).toMatchObject({ rule: 'bp', arch: '2-16-3', backend: 'wasm', epoch: 2 });
    expect(lines[2].peakBytes).toBeGreaterThan(0);
  });

  it('prints a human summary line per epoch without --json', async () => {
    const r = await run('train', '--dataset', 'blobs', '--arch', '8-4', '--epochs', '1', '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/backend cpu/);
    expect(r.out).toMatch(/epoch 1\/1 {2}loss \d/);
    expect(r.err).toBe('');
  });

  it.each([
    [['train', '--bogus', '1'], /unknown option '--bogus'/],
    [['train', '--lr', 'fast'], /--lr must be a number; got "fast"/],
    [['train', '--epochs', '0'], /--epochs must be at least 1/],
    [['train', '--batch-size', '2.5'], /--batch-size must be an integer/],
    [['train', '--rule', 'magic'], /--rule must be one of bp/],
    [['train', '--dataset', 'spirals', '--arch', '784-10'], /--arch 784-10 expects inputs of shape \[784\] \(784 values\) but the data has \[2\]/],
    [['train', '--arch', '784-x-10'], /--arch must be widths/],
    [['train', 'extra'], /unexpected argument "extra"/],
    [['fly'], /unknown command "fly"/],
  ])('rejects %j with one line and exit code 2', async (argv, message) => {
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('reports a missing data directory as a one-line runtime error', async () => {
    const r = await run('train', '--data-dir', '/no/such/dir');
    expect(r.code).toBe(1);
    expect(r.err).toBe('fbl: data directory not found: /no/such/dir\n');
  });
});
