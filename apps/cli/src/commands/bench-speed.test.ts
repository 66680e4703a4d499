import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli';

const run = runCli;

describe('fbl bench speed', () => {
  it('prints one speed event per rule plus tfjs-layers, the matMul yardstick and the ratios', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbl-bench-'));
    const r = await run('bench', 'speed', '--dataset', 'blobs', '--arch', '8-16-4', '--batch-size', '16',
      '--steps', '3', '--warmup', '1', '--rules', 'bp,dfa', '--json', '--out', dir);
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const speed = events.filter((e) => e.event === 'speed');
    expect(speed.map((e) => e.rule)).toEqual(['bp', 'dfa', 'tfjs-layers']);
    for (const e of speed) {
      expect(e).toMatchObject({ backend: 'wasm' });
      for (const k of ['stepMs', 'cpuMs', 'samplesPerSec', 'gflops', 'gemmFraction']) expect(e[k]).toBeGreaterThan(0);
    }
    const summary = events.find((e) => e.event === 'speed-summary');
    expect(summary.vsBp.dfa).toBeGreaterThan(0);
    expect(summary.bpSpeedupOverLayers).toBeGreaterThan(0);
    expect(summary.cpuVsBp.dfa).toBeGreaterThan(0);
    expect(events.find((e) => e.event === 'matmul').gflops).toBeGreaterThan(0);
    expect(events.find((e) => e.event === 'matmul').freshGflops).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'speed.jsonl'), 'utf8')).toBe(r.out);
    expect(readFileSync(join(dir, 'speed.txt'), 'utf8')).toMatch(/bp vs tfjs-layers: [\d.]+× faster/);
  });

  it.each([
    [['bench', 'speed', '--rules', 'bp,nope'], /unknown rule "nope"/],
    [['bench', 'sped'], /unknown benchmark "sped"/],
    [['bench', 'speed', '--steps', '0'], /--steps must be at least 1/],
  ])('rejects %j with one line and exit 2', async (argv, msg) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('rejects an arch that does not fit the dataset', async () => {
    const r = await run('bench', 'speed', '--dataset', 'blobs', '--arch', '784-10', '--steps', '1', '--no-layers');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not fit blobs/);
  });
});
