import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, FblError, type Batch, type Dataset } from '@feedback-lab/core';
import { layerProducts, trainingFlops } from './flops';
import { layersRunner } from './layers-peer';
import { matMulProbe, type MatMulRate } from './matmul-rate';
import { ruleRunner, type NetworkOptions, type Runner, type SeededRule } from './runners';
import { median } from './stats';

export interface SpeedOptions extends NetworkOptions {
  /** Rules to time, by name; each is built with `{ seed }`. */
  rules: Readonly<Record<string, SeededRule>>;
  dataset: Dataset;
  batchSize: number;
  /** Timed steps per contender (default 40), after `warmup` untimed ones (default 5). */
  steps?: number;
  warmup?: number;
  /** Also time stock tfjs-layers on the same network (default true). */
  layersPeer?: boolean;
  now?: () => number;
  /**
   * Process CPU time in ms (Node: `process.cpuUsage()`), if available. tfjs-wasm runs on the
   * main thread, so CPU time per step measures the work itself: on a machine shared with other
   * jobs it inflates far less than wall time, which grows with the run queue.
   */
  cpuNow?: () => number;
}

export interface SpeedResult {
  rule: string;
  /** Median wall time of one step, batch making included. */
  stepMs: number;
  /** Median process CPU time of one step (when `cpuNow` is given). */
  cpuMs?: number;
  samplesPerSec: number;
  /** Counted matrix-product FLOPs per step ÷ stepMs (undefined for rules without a count). */
  gflops?: number;
  /** gflops ÷ the backend's own matMul GFLOP/s on the same layer shapes. */
  gemmFraction?: number;
  backend: string;
  /** Last loss seen, to show the contender really trained. */
  loss: number;
}

export interface SpeedReport {
  results: SpeedResult[];
  matmul: { perShape: MatMulRate[]; gflops: number; freshGflops: number };
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
  if (o.arch[0] !== o.dataset.inputShape.reduce((a, b) => a * b, 1) || o.arch[o.arch.length - 1] !== o.dataset.numClasses) {
    throw new FblError('SHAPE_MISMATCH', `arch ${o.arch.join('-')} does not fit ${o.dataset.name} (${o.dataset.inputShape} → ${o.dataset.numClasses})`);
  }
  const backend = tf.getBackend();
  const runners: Runner[] = Object.entries(o.rules).map(([name, f]) => ruleRunner(name, f, o));
  if (o.layersPeer ?? true) runners.push(layersRunner(o));
  const feeds = runners.map(() => batchFeed(o.dataset, o.batchSize, o.seed));
  const probe = matMulProbe(layerProducts(o.arch, o.batchSize), now);
  const times = runners.map((): number[] => []);
  const cpuTimes = runners.map((): number[] => []);
  const losses = runners.map(() => NaN);
  let matmul: SpeedReport['matmul'];
  try {
    for (let round = 0; round < warmup + steps; round++) {
      for (let k = 0; k < runners.length; k++) {
        const i = (k + round) % runners.length;
        const c0 = o.cpuNow?.() ?? 0;
        const t0 = now();
        const batch = await feeds[i]!.next();
        try {
          losses[i] = await runners[i]!.step(batch);
        } finally {
          tf.dispose([batch.x, batch.y]);
        }
        if (round >= warmup) {
          times[i]!.push(now() - t0);
          if (o.cpuNow) cpuTimes[i]!.push(o.cpuNow() - c0);
        }
      }
      if (round >= warmup) probe.sample();
    }
    matmul = probe.rates();
  } finally {
    probe.dispose();
    runners.forEach((r) => r.dispose());
    await Promise.all(feeds.map((f) => f.close()));
  }
  const results = runners.map((r, i): SpeedResult => {
    const stepMs = median(times[i]!);
    const flops = trainingFlops(r.name, o.arch, o.batchSize);
    const gflops = flops === undefined ? undefined : flops / stepMs / 1e6;
    return {
      rule: r.name, stepMs, ...(o.cpuNow ? { cpuMs: median(cpuTimes[i]!) } : {}), samplesPerSec: (o.batchSize / stepMs) * 1000, gflops,
      gemmFraction: gflops === undefined ? undefined : gflops / matmul.gflops, backend, loss: losses[i]!,
    };
  });
  return { results, matmul, backend };
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
