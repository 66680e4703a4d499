import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '@feedback-lab/core';
import { blobs } from '@feedback-lab/datasets';
import { ruleByName } from '@feedback-lab/rules';
import { useBackend } from '@feedback-lab/test-utils';
import { formatSpeed, speedRatios } from './report';
import { runSpeed } from './speed';

const bp = await ruleByName('bp').load();
const base = { arch: [8, 16, 4], activation: 'tanh', optimizer: 'sgd', lr: 0.05, seed: 1, batchSize: 16 } as const;

describe('runSpeed', () => {
  // sgd: tfjs's momentum optimizer keeps its momentum scalar after dispose(), a stock leak
  it('times every rule and the tfjs-layers peer, trains them, and leaves no tensors behind', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    let t = 0;
    let c = 0;
    const report = await runSpeed({
      ...base, rules: { bp, bp2: bp }, dataset: blobs({ seed: 1 }), steps: 4, warmup: 1, now: () => (t += 1), cpuNow: () => (c += 0.5),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.results.map((r) => r.rule)).toEqual(['bp', 'bp2', 'tfjs-layers']);
    for (const r of report.results) {
      expect(r.stepMs).toBe(1); // the injected clock ticks once per reading
      expect(r.cpuMs).toBe(0.5);
      expect(r.samplesPerSec).toBe(16_000);
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(r.backend).toBe('wasm');
    }
    expect(report.results[0]!.gflops).toBeGreaterThan(0);
    expect(report.results[1]!.gflops).toBeUndefined(); // no FLOP model for an unknown name
    expect(report.results[0]!.loss).toBe(report.results[1]!.loss); // same data, same seed
    expect(report.matmul.perShape).toHaveLength(5);
  });

  it('computes the ratios the issue tracks and prints them', () => {
    const mk = (rule: string, stepMs: number) => ({ rule, stepMs, samplesPerSec: 1, backend: 'wasm', loss: 1 });
    const report = { backend: 'wasm', matmul: { perShape: [], gflops: 10, freshGflops: 5 },
      results: [mk('bp', 20), mk('dfa', 15), mk('tfjs-layers', 100)] };
    expect(speedRatios(report)).toEqual({ vsBp: { dfa: 0.75 }, bpSpeedupOverLayers: 5 });
    const withCpu = { ...report, results: report.results.map((x, i) => ({ ...x, cpuMs: [10, 6, 40][i] })) };
    expect(speedRatios(withCpu)).toMatchObject({ cpuVsBp: { dfa: 0.6 }, cpuBpSpeedupOverLayers: 4 });
    expect(formatSpeed(withCpu)).toMatch(/dfa\/bp step time: 0\.750 \(cpu time: 0\.600\)/);
    expect(formatSpeed(report)).toMatch(/dfa\/bp step time: 0\.750/);
  });

  it('refuses an architecture that does not fit the dataset', async () => {
    await expect(runSpeed({ ...base, arch: [9, 4], rules: { bp }, dataset: blobs({ seed: 1 }), steps: 1 })).rejects.toThrow(/does not fit blobs/);
  });
});
