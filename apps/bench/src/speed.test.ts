import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '@feedback-lab/core';
import { arrayDataset, blobs } from '@feedback-lab/datasets';
import type { ModelSpec } from '@feedback-lab/core';
import { ruleByName } from '@feedback-lab/rules';
import { useBackend } from '@feedback-lab/test-utils';
import { wasmGemmVariant } from '@feedback-lab/wasm-gemm';
import { formatSpeed, speedRatios } from './report';
import { runSpeed } from './speed';
import type { BlockRunner } from './torch';

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
    expect(report.matmul?.perShape).toHaveLength(5);
  });

  it('makes each batch before the clock starts, as the PyTorch reference does', async () => {
    await useBackend('wasm');
    let t = 0;
    const ds = blobs({ seed: 1 });
    // every batch made costs 100 ms of the injected clock
    const slowData = {
      ...ds,
      batches: (o: Parameters<typeof ds.batches>[0]) => ({
        [Symbol.asyncIterator]() {
          const it = ds.batches(o)[Symbol.asyncIterator]();
          return { next: async () => ((t += 100), it.next()), return: async () => (await it.return?.()) ?? { done: true as const, value: undefined } };
        },
      }),
    };
    const report = await runSpeed({ ...base, rules: { bp }, dataset: slowData, steps: 3, warmup: 1, layersPeer: false, now: () => (t += 1) });
    expect(report.results[0]!.stepMs).toBe(1);
  });

  it('with compareGemm, times each rule again on XNNPACK, beside wasm-gemm, and leaves wasm-gemm installed', async () => {
    await useBackend('wasm');
    const variant = wasmGemmVariant();
    expect(variant).toBeDefined(); // selectBackend installs it
    const before = tf.memory().numTensors;
    const report = await runSpeed({ ...base, rules: { bp }, dataset: blobs({ seed: 1 }), steps: 3, warmup: 1, layersPeer: false, compareGemm: true, kernels: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(wasmGemmVariant()).toBe(variant);
    expect(report.results.map((r) => r.rule)).toEqual(['bp', 'bp xnnpack']);
    const [ours, stock] = report.results;
    expect(stock!.gflops).toBeGreaterThan(0); // counted as bp
    expect(stock!.loss).toBeCloseTo(ours!.loss, 4); // the same training, another kernel
    // XNNPACK's run needs core's transposes around its products; wasm-gemm's none
    expect(stock!.kernels!.byKernel.map((k) => k.kernel)).toContain('Transpose');
    expect(ours!.kernels!.byKernel.map((k) => k.kernel)).not.toContain('Transpose');
    expect(report.matmulXnnpack?.perShape).toHaveLength(5);
    expect(formatSpeed(report)).toMatch(/XNNPACK's matMul on the same shapes: [\d.]+ GFLOP\/s .*wasm-gemm ÷ XNNPACK [\d.]+×/);
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

  it('profiles each contender\'s steps kernel by kernel after timing them, leaving no tensors behind', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const report = await runSpeed({ ...base, rules: { bp }, dataset: blobs({ seed: 1 }), steps: 2, warmup: 1, layersPeer: false, kernels: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const k = report.results[0]!.kernels!;
    expect(k.steps).toBe(2);
    // a BP step of an 8-16-4 MLP: forward and gradient products of both layers, on core's FblMatMul
    expect(k.byKernel.find((x) => x.kernel === 'FblMatMul')?.calls).toBe(2);
    expect(k.productMs).toBeGreaterThan(0);
    expect(k.productMs).toBeLessThan(k.totalMs); // the loss, activations and the update are not products
    expect(k.byKernel.map((x) => x.ms)).toEqual([...k.byKernel.map((x) => x.ms)].sort((a, b) => b - a));
    expect(formatSpeed(report)).toMatch(/kernel time per step \(tf\.profile, 2 steps each.*\n  bp: [\d.]+ ms, products [\d.]+ \(\d+ %\); /);
  });

  it('turns bp\'s product time into the best ratio to torch the backend allows', () => {
    const kernels = { steps: 1, totalMs: 12, productMs: 8, byKernel: [{ kernel: 'FblMatMul', ms: 8, calls: 3 }, { kernel: 'Add', ms: 4, calls: 9 }] };
    const report = { backend: 'wasm', results: [
      { rule: 'bp', stepMs: 13, samplesPerSec: 1, backend: 'wasm', loss: 1, kernels },
      { rule: 'torch', stepMs: 4, samplesPerSec: 1, backend: 'torch', loss: 1 },
    ] };
    // vsTorch 4/13, of which products are 8/12 of the kernel time: 4/13 ÷ 2/3 = 6/13
    expect(speedRatios(report).productCeilingVsTorch).toBeCloseTo(6 / 13, 9);
    expect(formatSpeed(report)).toMatch(/bp: 12\.00 ms, products 8\.00 \(67 %\); FblMatMul 8\.00, Add 4\.00/);
    expect(formatSpeed(report)).toMatch(/bp \/ torch with bp's products alone \(everything else free\): 0\.462/);
  });

  it('puts each rule\'s step time beside its FLOP ratio to BP', () => {
    // mem-dfa: 1.2× bp's FLOPs (3 forwards vs 2.5) in 1.26× bp's time → 1.05× bp's time per FLOP
    const mk = (rule: string, stepMs: number, gflops: number) => ({ rule, stepMs, gflops, samplesPerSec: 1, backend: 'wasm', loss: 1 });
    const report = { backend: 'wasm', results: [mk('bp', 20, 10), mk('mem-dfa', 25.2, (10 * 20 * 1.2) / 25.2)] };
    const r = speedRatios(report);
    expect(r.flopsVsBp!['mem-dfa']).toBeCloseTo(1.2, 9);
    expect(r.timePerFlopVsBp!['mem-dfa']).toBeCloseTo(1.05, 9);
    expect(formatSpeed(report)).toMatch(/mem-dfa\/bp step time: 1\.260; FLOP ratio 1\.200, step time per FLOP 1\.050× bp's/);
  });

  it('gives the time per FLOP an interval from the run\'s paired steps, which widens with their spread', () => {
    // dfa at 0.84× bp's time on 0.8× its FLOPs (1.05× per FLOP), each round's pair drawn with noise
    const noisy = (spread: number) => {
      let s = 7;
      const u = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * spread;
      const bpMs = Array.from({ length: 200 }, () => 10 + u());
      return { backend: 'wasm', results: [
        { rule: 'bp', stepMs: 10, gflops: 10, stepSamples: bpMs, samplesPerSec: 1, backend: 'wasm', loss: 1 },
        { rule: 'dfa', stepMs: 8.4, gflops: (10 * 10 * 0.8) / 8.4, stepSamples: bpMs.map((x) => 0.84 * x + u()), samplesPerSec: 1, backend: 'wasm', loss: 1 },
      ] };
    };
    const [lo, hi] = speedRatios(noisy(1)).timePerFlopInterval!.dfa!;
    expect(lo).toBeLessThan(1.05);
    expect(hi).toBeGreaterThan(1.05);
    expect(hi - lo).toBeLessThan(0.05);
    const [lo4, hi4] = speedRatios(noisy(4)).timePerFlopInterval!.dfa!;
    expect(hi4 - lo4).toBeGreaterThan(2 * (hi - lo));
    expect(formatSpeed(noisy(1))).toMatch(/step time per FLOP 1\.050× bp's \(95 % interval within this run 1\.0\d\d–1\.0\d\d\)/);
    // without samples (or with unpaired ones) there is no interval
    const bare = noisy(1);
    bare.results[1]!.stepSamples = bare.results[1]!.stepSamples.slice(1);
    expect(speedRatios(bare).timePerFlopInterval).toBeUndefined();
  });

  it('refuses an architecture that does not fit the dataset', async () => {
    await expect(runSpeed({ ...base, arch: [9, 4], rules: { bp }, dataset: blobs({ seed: 1 }), steps: 1 })).rejects.toThrow(/does not fit blobs/);
  });

  // a conv net on 4×4×1 images: no FLOP model, no matMul yardstick, no tfjs-layers peer
  const spec: ModelSpec = { input: [4, 4, 1], layers: [
    { type: 'conv2d', filters: 2, kernel: 3, padding: 'same', pool: { type: 'max', size: 2 }, activation: 'relu' },
    { type: 'dense', units: 3 },
  ] };
  const images = () => {
    const features = new Uint8Array(32 * 16).map((_, i) => (i * 37) % 256);
    const labels = new Uint8Array(32).map((_, i) => i % 3);
    return arrayDataset({ name: 'tiles', inputShape: [4, 4, 1], numClasses: 3, train: { features, labels }, test: { features, labels } });
  };

  it('alternates blocks of an external contender with ours and reports it beside them', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    let t = 0;
    const calls: [number, number][] = [];
    let closed = false;
    const external: BlockRunner = {
      name: 'torch', backend: 'torch test',
      run: (n) => {
        calls.push([n, t]);
        return Promise.resolve({ stepMs: Array.from({ length: n }, (_, i) => 4 + i), cpuMs: Array(n).fill(2), loss: 1.5 });
      },
      close: () => Promise.resolve(void (closed = true)),
    };
    const report = await runSpeed({
      ...base, arch: undefined, spec, rules: { bp }, dataset: images(), steps: 4, warmup: 1, rounds: 2, external: [external], now: () => (t += 1),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(closed).toBe(false); // its owner closes it
    // our warm-up step, then torch's (as many), then torch before ours in block 0 and after ours
    // in block 1 (one clock read per warm-up step of ours, two per timed step)
    expect(calls).toEqual([[1, 1], [2, 1], [2, 9]]);
    expect(report.matmul).toBeUndefined();
    expect(report.results.map((r) => [r.rule, r.backend, r.gflops])).toEqual([['bp', 'wasm', undefined], ['torch', 'torch test', undefined]]);
    const torch = report.results[1]!;
    expect(torch).toMatchObject({ stepMs: 4.5, cpuMs: 2, loss: 1.5 }); // median of 4, 5, 4, 5
    expect(torch.samplesPerSec).toBeCloseTo(16_000 / 4.5, 9);
    expect(speedRatios(report).vsTorch).toBe(4.5);
    expect(speedRatios(report).vsBp).toEqual({});
    expect(formatSpeed(report)).toMatch(/^backend wasm\n[^]*bp \/ torch samples\/s: 4\.500 \[torch: torch test\]/);
  });

  it('warms up for warmupMs of real time past the warm-up steps, and an external contender as many steps', async () => {
    await useBackend('wasm');
    let t = 0;
    const calls: [number, number][] = [];
    const external: BlockRunner = {
      name: 'torch', backend: 'torch test',
      run: (n) => {
        calls.push([n, t]);
        return Promise.resolve({ stepMs: Array(n).fill(1), cpuMs: Array(n).fill(1), loss: 1 });
      },
      close: () => Promise.resolve(),
    };
    const start = performance.now();
    await runSpeed({ ...base, arch: undefined, spec, rules: { bp }, dataset: images(), steps: 1, warmup: 0, warmupMs: 60, rounds: 1, external: [external], now: () => (t += 1) });
    expect(performance.now() - start).toBeGreaterThanOrEqual(60);
    // warm-up: one clock read per step of ours, then torch's as many; then torch's timed block
    const [warm, timed] = calls;
    expect(warm![0]).toBeGreaterThan(1);
    expect(warm![1]).toBe(warm![0]);
    expect(timed).toEqual([1, warm![0]]);
  });

  it('refuses a model spec that does not fit the dataset', async () => {
    await expect(runSpeed({ ...base, arch: undefined, spec, rules: { bp }, dataset: blobs({ seed: 1 }), steps: 1 })).rejects.toThrow(/model .*does not fit blobs/);
  });
});
