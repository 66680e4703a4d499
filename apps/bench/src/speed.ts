import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, FblError, type Batch, type Dataset } from '@feedback-lab/core';
import { installWasmGemm, uninstallWasmGemm, wasmGemmVariant, type GemmVariant } from '@feedback-lab/wasm-gemm';
import { profileKernels } from '@feedback-lab/profiler';
import { layerProducts, trainingFlops } from './flops';
import { kernelTally, type KernelBreakdown } from './kernels';
import { layersRunner } from './layers-peer';
import { matMulProbe, type MatMulRate } from './matmul-rate';
import { networkShape, ruleRunner, type NetworkOptions, type Runner, type SeededRule } from './runners';
import { median } from './stats';
import type { BlockRunner } from './torch';

export interface SpeedOptions extends NetworkOptions {
  /** Rules to time, by name; each is built with `{ seed }`. */
  rules: Readonly<Record<string, SeededRule>>;
  dataset: Dataset;
  batchSize: number;
  /** Timed steps per contender (default 40), after `warmup` untimed ones (default 5). */
  steps?: number;
  warmup?: number;
  /**
   * Untimed rounds go on past `warmup` until this many ms have passed (default 0). V8 optimises
   * tfjs's JavaScript over a process's first ~150 steps: on the default MLP they ran 10–40 %
   * slower than later ones, so short steps need seconds of warm-up, not a count. External
   * contenders warm up as many steps as ours did.
   */
  warmupMs?: number;
  /** Also time stock tfjs-layers on the same network (default true; MLPs from `arch` only). */
  layersPeer?: boolean;
  /**
   * Contenders in other processes (the PyTorch reference), each asked for blocks of steps:
   * the timed steps are split into `rounds` blocks, and each block runs the external
   * contenders and then ours, or ours first on odd blocks, so load shifts hit both sides.
   */
  external?: readonly BlockRunner[];
  /** Blocks the timed steps are split into when `external` is given (default 4). */
  rounds?: number;
  /**
   * Steps of each of our contenders to run under `tf.profile` after the timed ones (default 0):
   * their kernel time by kernel, and the part in matrix products and convolutions.
   */
  kernels?: number;
  now?: () => number;
  /**
   * wasm with @feedback-lab/wasm-gemm installed: also time every rule with tfjs's own XNNPACK
   * products, as `<rule> xnnpack`, side by side (the kernel is swapped around each of its steps).
   */
  compareGemm?: boolean;
  /**
   * Process CPU time in ms (Node: `process.cpuUsage()`), if available. tfjs-wasm runs on the
   * main thread, so CPU time per step measures the work itself: on a machine shared with other
   * jobs it inflates far less than wall time, which grows with the run queue.
   */
  cpuNow?: () => number;
}

export interface SpeedResult {
  rule: string;
  /** Median wall time of one step (the batch is made before the clock starts). */
  stepMs: number;
  /** Median process CPU time of one step (when `cpuNow` is given). */
  cpuMs?: number;
  /**
   * Every timed step's wall time, round by round (our contenders: the i-th of each was taken in
   * the same round, so two contenders' samples pair up for `medianRatioInterval`).
   */
  stepSamples?: number[];
  samplesPerSec: number;
  /** Counted matrix-product FLOPs per step ÷ stepMs (undefined for rules without a count). */
  gflops?: number;
  /** gflops ÷ the backend's own matMul GFLOP/s on the same layer shapes (our contenders). */
  gemmFraction?: number;
  backend: string;
  /** Last loss seen, to show the contender really trained. */
  loss: number;
  /** Kernel time per step by kernel (with `kernels` > 0; our contenders only). */
  kernels?: KernelBreakdown;
}

export interface SpeedReport {
  results: SpeedResult[];
  /** The backend's matMul yardstick on the layer shapes (MLPs only: conv nets have none). */
  matmul?: { perShape: MatMulRate[]; gflops: number; freshGflops: number };
  /** With `compareGemm`: the same yardstick on tfjs's own XNNPACK kernel, sampled alongside. */
  matmulXnnpack?: { perShape: MatMulRate[]; gflops: number; freshGflops: number };
  backend: string;
}

/**
 * Times one training step of every rule (and stock tfjs-layers) on the same network and data,
 * alternating contenders step by step (the order rotates each round) so that load changes on a
 * shared machine hit all of them alike; the backend's matMul yardstick is sampled once per round
 * too. Each contender reads the same seeded batch sequence.
 *
 * @example
 * const report = await runSpeed({ rules: { bp }, dataset: loadMnist(), arch: [784, 800, 800, 10],
 *   activation: 'tanh', optimizer: 'momentum', lr: 0.01, seed: 1, batchSize: 64 });
 */
export async function runSpeed(o: SpeedOptions): Promise<SpeedReport> {
  const steps = o.steps ?? 40;
  const warmup = o.warmup ?? 5;
  const now = o.now ?? (() => performance.now());
  const net = networkShape(o);
  if (net.inputSize !== o.dataset.inputShape.reduce((a, b) => a * b, 1) || net.numClasses !== o.dataset.numClasses) {
    const label = o.spec ? `model ${o.spec.name ?? ''} [${o.spec.input}] → ${net.numClasses}` : `arch ${o.arch!.join('-')}`;
    throw new FblError('SHAPE_MISMATCH', `${label} does not fit ${o.dataset.name} (${o.dataset.inputShape} → ${o.dataset.numClasses})`);
  }
  const backend = tf.getBackend();
  const runners: Runner[] = Object.entries(o.rules).map(([name, f]) => ruleRunner(name, f, o));
  const gemm = o.compareGemm ? wasmGemmVariant() : undefined;
  if (gemm) runners.push(...Object.entries(o.rules).map(([name, f]) => onXnnpack(ruleRunner(`${name} xnnpack`, f, o), gemm)));
  if ((o.layersPeer ?? true) && !o.spec) runners.push(layersRunner(o));
  const external = o.external ?? [];
  const feeds = runners.map(() => batchFeed(o.dataset, o.batchSize, o.seed));
  const probe = net.arch ? matMulProbe(layerProducts(net.arch, o.batchSize), now) : undefined;
  const xnnProbe = gemm && net.arch ? matMulProbe(layerProducts(net.arch, o.batchSize), now) : undefined;
  const times = runners.map((): number[] => []);
  const cpuTimes = runners.map((): number[] => []);
  const losses = runners.map(() => NaN);
  const ext = external.map((): BlockResultLog => ({ stepMs: [], cpuMs: [], loss: NaN }));
  // one step of each of our contenders, the order rotating each round
  const ourRound = async (round: number, timed: boolean) => {
    for (let k = 0; k < runners.length; k++) {
      const i = (k + round) % runners.length;
      // the batch is made before the clock starts, as the PyTorch reference's are: data making
      // costs every contender the same (~0.6 ms at MNIST batch 64), and timed inside the step it
      // weighed most per FLOP on the rules with the fewest FLOPs
      const batch = await feeds[i]!.next();
      const c0 = o.cpuNow?.() ?? 0;
      const t0 = now();
      try {
        losses[i] = await runners[i]!.step(batch);
        if (timed) {
          times[i]!.push(now() - t0);
          if (o.cpuNow) cpuTimes[i]!.push(o.cpuNow() - c0);
        }
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
    }
  };
  // the matMul yardsticks, sampled after each block of timed rounds rather than between steps:
  // their fresh weight-sized operands evicted the steps' data (BP on two threads ran 9.4 ms
  // without them between steps, 11.0 ms with them)
  const sampleProbes = (n: number) => {
    for (let k = 0; k < n; k++) {
      probe?.sample();
      if (!xnnProbe) continue;
      uninstallWasmGemm();
      try {
        xnnProbe.sample();
      } finally {
        installWasmGemm({ variant: gemm! });
      }
    }
  };
  const externalBlock = async (n: number, timed: boolean) => {
    for (const [j, e] of external.entries()) {
      const r = await e.run(n);
      ext[j]!.loss = r.loss;
      if (timed) {
        ext[j]!.stepMs.push(...r.stepMs);
        ext[j]!.cpuMs.push(...r.cpuMs);
      }
    }
  };
  let matmul: SpeedReport['matmul'];
  let matmulXnnpack: SpeedReport['matmulXnnpack'];
  const breakdowns: (KernelBreakdown | undefined)[] = runners.map(() => undefined);
  try {
    // the elapsed time of the warm-up is real time, whatever clock times the steps
    const warmStart = performance.now();
    let warmed = 0;
    while (warmed < warmup || performance.now() - warmStart < (o.warmupMs ?? 0)) await ourRound(warmed++, false);
    if (warmed > 0 && external.length) await externalBlock(warmed, false);
    const block = external.length ? Math.ceil(steps / Math.max(1, o.rounds ?? 4)) : steps;
    const samples = Math.ceil(Math.min(steps, 20) / Math.ceil(steps / block));
    for (let done = 0, b = 0; done < steps; done += block, b++) {
      const n = Math.min(block, steps - done);
      if (b % 2 === 0 && external.length) await externalBlock(n, true);
      for (let r = 0; r < n; r++) await ourRound(warmed + done + r, true);
      sampleProbes(samples);
      if (b % 2 === 1 && external.length) await externalBlock(n, true);
    }
    matmul = probe?.rates();
    matmulXnnpack = xnnProbe?.rates();
    if (o.kernels) {
      for (const [i, r] of runners.entries()) {
        const tally = kernelTally();
        for (let k = 0; k < o.kernels; k++) {
          const batch = await feeds[i]!.next();
          try {
            // profileKernels, not tf.profile: tfjs's peak over every record overflows the stack on deep nets
            const { kernels } = await profileKernels(async () => {
              losses[i] = await r.step(batch);
            });
            await tally.add(kernels);
          } finally {
            tf.dispose([batch.x, batch.y]);
          }
        }
        breakdowns[i] = tally.result();
      }
    }
  } finally {
    probe?.dispose();
    xnnProbe?.dispose();
    runners.forEach((r) => r.dispose());
    await Promise.all(feeds.map((f) => f.close()));
  }
  const arch = net.arch;
  const results = runners.map((r, i): SpeedResult => {
    const stepMs = median(times[i]!);
    const flops = arch && trainingFlops(r.name.replace(/ xnnpack$/, ''), arch, o.batchSize);
    const gflops = flops ? flops / stepMs / 1e6 : undefined;
    return {
      rule: r.name, stepMs, ...(o.cpuNow ? { cpuMs: median(cpuTimes[i]!) } : {}), stepSamples: times[i]!, samplesPerSec: (o.batchSize / stepMs) * 1000, gflops,
      gemmFraction: gflops === undefined || !matmul ? undefined : gflops / matmul.gflops, backend, loss: losses[i]!,
      ...(breakdowns[i] ? { kernels: breakdowns[i] } : {}),
    };
  });
  external.forEach((e, j) => {
    const stepMs = median(ext[j]!.stepMs);
    const flops = arch && trainingFlops('bp', arch, o.batchSize); // the reference runs BP
    results.push({
      rule: e.name, stepMs, cpuMs: median(ext[j]!.cpuMs), samplesPerSec: (o.batchSize / stepMs) * 1000,
      gflops: flops ? flops / stepMs / 1e6 : undefined, backend: e.backend, loss: ext[j]!.loss,
    });
  });
  return { results, ...(matmul ? { matmul } : {}), ...(matmulXnnpack ? { matmulXnnpack } : {}), backend };
}

/** `r` with tfjs's own BatchMatMul kernel in place during each of its steps, `variant` after. */
function onXnnpack(r: Runner, variant: GemmVariant): Runner {
  return {
    name: r.name,
    async step(batch) {
      uninstallWasmGemm();
      try {
        return await r.step(batch);
      } finally {
        installWasmGemm({ variant });
      }
    },
    dispose: () => r.dispose(),
  };
}

interface BlockResultLog {
  stepMs: number[];
  cpuMs: number[];
  loss: number;
}

/** Endless batches of one seeded shuffle per epoch, the same sequence for every contender. */
function batchFeed(ds: Dataset, batchSize: number, seed: number) {
  let epoch = 0;
  let it: AsyncIterator<Batch> | undefined;
  return {
    async next(): Promise<Batch> {
      for (;;) {
        it ??= ds.batches({ split: 'train', batchSize, shuffle: true, seed: deriveSeed(seed, 'epoch', ++epoch) })[Symbol.asyncIterator]();
        const r = await it.next();
        if (!r.done && r.value.size === batchSize) return r.value;
        if (!r.done) tf.dispose([r.value.x, r.value.y]); // a short last batch would skew the timing
        it = undefined;
      }
    },
    async close() {
      await it?.return?.();
    },
  };
}
