import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli';

const run = runCli;
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch']).status === 0;
const events = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('fbl bench speed', () => {
  it('prints one speed event per rule plus tfjs-layers, the matMul yardstick and the ratios', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbl-bench-'));
    const r = await run('bench', 'speed', '--dataset', 'blobs', '--arch', '8-16-4', '--batch-size', '16',
      '--steps', '3', '--warmup', '1', '--warmup-seconds', '0', '--rules', 'bp,dfa', '--json', '--out', dir);
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

  it('--kernels profiles each rule kernel by kernel after timing it', async () => {
    const r = await run('bench', 'speed', '--dataset', 'blobs', '--arch', '8-16-4', '--batch-size', '16',
      '--steps', '2', '--warmup', '1', '--warmup-seconds', '0', '--rules', 'bp', '--no-layers', '--kernels', '2', '--json');
    expect(r.code).toBe(0);
    const bp = events(r.out).find((e) => e.event === 'speed' && e.rule === 'bp') as { kernels: { steps: number; productMs: number; totalMs: number; byKernel: { kernel: string }[] } };
    expect(bp.kernels.steps).toBe(2);
    expect(bp.kernels.productMs).toBeGreaterThan(0);
    expect(bp.kernels.productMs).toBeLessThan(bp.kernels.totalMs);
    expect(bp.kernels.byKernel.map((k) => k.kernel)).toContain('FblMatMul');
    expect(events(r.out).find((e) => e.event === 'speed-summary')).toMatchObject({ kernels: 2 });
  });

  it.each([
    [['bench', 'speed', '--rules', 'bp,nope'], /unknown rule "nope"/],
    [['bench', 'sped'], /unknown benchmark "sped"/],
    [['bench', 'speed', '--steps', '0'], /--steps must be at least 1/],
    [['bench', 'speed', '--kernels=-1'], /--kernels must be at least 0/],
    [['bench', 'speed', '--preset', 'cifar-conv', '--arch', '784-10'], /give --arch or --preset, not both/],
    [['bench', 'speed', '--preset', 'nope'], /unknown preset "nope"/],
  ])('rejects %j with one line and exit 2', async (argv, msg) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('times a preset\'s conv net on random batches of its dataset\'s shape (cifar-conv without --data-dir)', async () => {
    const r = await run('bench', 'speed', '--preset', 'cifar-conv', '--batch-size', '4', '--steps', '1', '--warmup', '0', '--warmup-seconds', '0', '--rules', 'bp', '--json');
    expect(r.code).toBe(0);
    const ev = events(r.out);
    const speed = ev.filter((e) => e.event === 'speed');
    expect(speed.map((e) => e.rule)).toEqual(['bp']); // no tfjs-layers peer for presets
    expect(speed[0]!.samplesPerSec).toBeGreaterThan(0);
    expect(speed[0]!.gflops).toBeUndefined(); // no FLOP model for conv nets
    expect(ev.some((e) => e.event === 'matmul')).toBe(false);
    expect(ev.find((e) => e.event === 'speed-summary')).toMatchObject({ preset: 'cifar-conv', dataset: 'cifar10 (random)', data: 'random', batchSize: 4 });
  });

  it.skipIf(!hasTorch)('--torch times PyTorch\'s BP on the same net with our thread count and reports vsTorch (skipped: no /usr/bin/python3 with torch)', async () => {
    const r = await run('bench', 'speed', '--dataset', 'blobs', '--arch', '8-16-4', '--batch-size', '16', '--steps', '4', '--warmup', '1', '--warmup-seconds', '0',
      '--rules', 'bp', '--no-layers', '--threads', '1', '--torch', '--rounds', '2', '--json');
    expect(r.code).toBe(0);
    const ev = events(r.out);
    const torch = ev.find((e) => e.event === 'speed' && e.rule === 'torch')!;
    expect(torch.backend).toMatch(/^torch \S+ cpu, 1 thread, OMP_WAIT_POLICY=/);
    for (const k of ['stepMs', 'cpuMs', 'samplesPerSec', 'gflops']) expect(torch[k]).toBeGreaterThan(0);
    const bp = ev.find((e) => e.event === 'speed' && e.rule === 'bp')!;
    const summary = ev.find((e) => e.event === 'speed-summary')!;
    expect(summary).toMatchObject({ threads: 1, rounds: 2 });
    expect(summary.vsTorch).toBeCloseTo((torch.stepMs as number) / (bp.stepMs as number), 2);
  });

  it('--torch with a python that does not exist fails with one line naming the fix', async () => {
    const r = await run('bench', 'speed', '--dataset', 'blobs', '--arch', '8-4', '--steps', '1', '--no-layers', '--torch', '--python', '/nonexistent/python3');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/\/nonexistent\/python3 cannot run the PyTorch reference \(ENOENT\): apt-get install python3-torch/);
  });

  it('rejects an arch that does not fit the dataset', async () => {
    const r = await run('bench', 'speed', '--dataset', 'blobs', '--arch', '784-10', '--steps', '1', '--no-layers');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not fit blobs/);
  });
});
