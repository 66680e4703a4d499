import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  ACTIVATIONS, BACKENDS, createRng, describeBackend, parseArch, presetDefaults, presetSpec, selectBackend, size,
  type ActivationName, type BackendName, type Dataset, type ModelSpec,
} from '@feedback-lab/core';
import { DEFAULT_PYTHON, formatSpeed, runSpeed, speedEvents, torchRunner, type BlockRunner } from '@feedback-lab/bench';
import { arrayDataset } from '@feedback-lab/datasets';
import { OPTIMIZERS, type OptimizerName } from '@feedback-lab/trainer';
import { SEED_MAX, UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { DATASET_NAMES, openDataset } from '../datasets';
import { RULE_NAMES, isRuleName, ruleByName } from '@feedback-lab/rules';
import type { Io } from '../io';
import { THREADS_OPTION, noteBackend, threadsFor } from '../threads';
import { prepareOutputDir } from '../fs-errors';

export const SPEED_OPTIONS = {
  rules: { kind: 'string', default: RULE_NAMES.join(','), help: `comma-separated rules to time (${RULE_NAMES.join(', ')})` },
  arch: { kind: 'string', help: 'layer widths joined by "-", input first, classes last (default 784-800-800-10)' },
  preset: { kind: 'string', help: 'time a named model instead of --arch (fbl presets; e.g. mnist-conv, cifar-conv) on its dataset\'s shapes' },
  activation: { kind: 'string', choices: ACTIVATIONS, default: 'tanh', help: 'hidden activation' },
  'batch-size': { kind: 'int', default: 64, min: 1, help: 'samples per step' },
  steps: { kind: 'int', default: 40, min: 1, help: 'timed steps per contender (medians are reported)' },
  warmup: { kind: 'int', default: 5, min: 0, help: 'untimed steps per contender first' },
  'warmup-seconds': { kind: 'number', default: 3, min: 0, help: 'untimed rounds go on until this long has passed (V8 optimises the first ~150 steps\' JavaScript; --torch warms up as many steps)' },
  optimizer: { kind: 'string', choices: OPTIMIZERS, default: 'momentum', help: 'optimizer (momentum uses 0.9)' },
  lr: { kind: 'number', default: 0.01, help: 'learning rate' },
  seed: { kind: 'int', default: 1, min: 0, max: SEED_MAX, help: 'seed for weights, data order and feedback' },
  dataset: { kind: 'string', choices: DATASET_NAMES, help: 'dataset the batches come from (default mnist; cifar10 for cifar-* presets)' },
  'data-dir': { kind: 'string', help: 'MNIST-format IDX files instead of the bundled ones; cifar10: the binary batches (without it, random batches of CIFAR-10\'s shape)' },
  backend: { kind: 'string', choices: BACKENDS.filter((b) => b === 'wasm' || b === 'cpu'), default: 'wasm', help: 'tfjs backend' },
  ...THREADS_OPTION,
  'no-layers': { kind: 'boolean', help: 'skip the stock tfjs-layers peer (always skipped with --preset)' },
  torch: { kind: 'boolean', help: 'also time the PyTorch CPU reference (BP) on the same net, batch and threads, in alternating blocks' },
  python: { kind: 'string', default: DEFAULT_PYTHON, help: 'python with torch for --torch' },
  rounds: { kind: 'int', default: 4, min: 1, help: 'with --torch: blocks the timed steps are split into, torch and ours alternating' },
  'compare-gemm': { kind: 'boolean', help: 'wasm: also time every rule on tfjs\'s own XNNPACK products ("<rule> xnnpack") beside @feedback-lab/wasm-gemm\'s, and XNNPACK\'s matMul yardstick (FBL_WASM_GEMM=0 turns wasm-gemm off)' },
  kernels: { kind: 'int', default: 0, min: 0, help: 'then profile this many steps of each contender: kernel time by kernel, the share in products, and (with --torch) the best bp/torch ratio those products allow' },
  json: { kind: 'boolean', help: 'print JSON lines instead of a table' },
  out: { kind: 'string', help: 'directory to write speed.jsonl and speed.txt into' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const USAGE = `usage: fbl bench speed [options]

Times one training step of each rule and of stock tfjs-layers on the same network, alternating
contenders step by step; reports median step time, samples/s, GFLOP/s and the fraction of the
backend's own matMul throughput on the layer shapes. --torch adds PyTorch's BP on the same net
(apps/bench/reference/torch_speed.py) and the ratio vsTorch = bp samples/s ÷ torch samples/s.`;

/** `fbl bench speed [options]`: argv after `speed`. */
export async function benchSpeed(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, SPEED_OPTIONS);
  if (o.help) {
    io.out(formatHelp(USAGE, SPEED_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  if (o.out) prepareOutputDir(o.out, '--out'); // before the work, not after it
  const names = o.rules!.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!isRuleName(n)) throw new UsageError(`unknown rule "${n}" in --rules (expected ${RULE_NAMES.join(', ')})`);
  if (o.preset !== undefined && o.arch !== undefined) throw new UsageError('give --arch or --preset, not both');
  const archText = o.arch ?? '784-800-800-10';
  const net: { arch?: number[]; spec?: ModelSpec } = o.preset === undefined ? { arch: parseArch(archText) } : { spec: presetSpec(o.preset) };
  const datasetName = o.dataset ?? (o.preset?.startsWith('cifar') ? 'cifar10' : 'mnist');
  const backend = await selectBackend(o.backend as BackendName, { threads: threadsFor(o) });
  noteBackend(backend, io);
  const random = datasetName === 'cifar10' && o['data-dir'] === undefined;
  const normalize = o.preset === undefined ? undefined : presetDefaults(o.preset).normalize;
  const dataset = random ? randomImages([32, 32, 3], 10, 8 * o['batch-size']!, o.seed!) : await openDataset(datasetName, { dataDir: o['data-dir'], seed: o.seed, normalize });
  const threads = backend.threads ?? 1;
  const common = { batchSize: o['batch-size']!, optimizer: o.optimizer as OptimizerName, lr: o.lr!, seed: o.seed! };
  const external: BlockRunner[] = o.torch
    ? [await torchRunner({ ...common, python: o.python, threads, spec: net.spec ?? mlpSpec(net.arch!, o.activation as ActivationName) })]
    : [];
  const loadBefore = loadavg()[0]!;
  let report;
  try {
    report = await runSpeed({
      rules: Object.fromEntries(await Promise.all(names.map(async (n) => [n, await ruleByName(n).load()] as const))),
      dataset, ...net, ...common, steps: o.steps, warmup: o.warmup, warmupMs: 1000 * o['warmup-seconds']!, activation: o.activation as ActivationName,
      layersPeer: !o['no-layers'], external, rounds: o.rounds, kernels: o.kernels, compareGemm: o['compare-gemm'],
      cpuNow: () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      },
    });
  } finally {
    await Promise.all(external.map((e) => e.close()));
  }
  const load = { loadavg1Before: round2(loadBefore), loadavg1After: round2(loadavg()[0]!) };
  const label = o.preset ?? `${archText} ${o.activation}`;
  const data = random ? 'random batches' : `${dataset.name} batches`;
  const config = {
    ...(o.preset ? { preset: o.preset } : { arch: archText, activation: o.activation }), batchSize: o['batch-size'], steps: o.steps,
    optimizer: o.optimizer, dataset: dataset.name, data: random ? 'random' : 'real', threads, ...(o.torch ? { rounds: o.rounds } : {}),
    ...(o.kernels ? { kernels: o.kernels } : {}), ...(backend.gemm ? { gemm: backend.gemm } : {}),
  };
  const lines = speedEvents(report, { ...config, ...load }).map((e) => JSON.stringify(e)).join('\n') + '\n';
  const text = `bench speed: ${label}, batch ${o['batch-size']}, ${o.steps} steps, ${o.optimizer}, ${data}, ` +
    `${describeBackend(backend)}${backend.gemm ? `, wasm-gemm ${backend.gemm}` : ''}, load ${load.loadavg1Before} → ${load.loadavg1After}\n` + formatSpeed(report);
  io.out(o.json ? lines : text);
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, 'speed.jsonl'), lines);
    writeFileSync(join(o.out, 'speed.txt'), text);
  }
  return 0;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The --arch MLP as a model spec, for the PyTorch reference. */
function mlpSpec(arch: readonly number[], activation: ActivationName): ModelSpec {
  return {
    input: [arch[0]!],
    layers: arch.slice(1).map((units, i) => (i < arch.length - 2 ? { type: 'dense', units, activation } : { type: 'dense', units })),
  };
}

/** Uniform random images with random labels, for timing a net without its data (e.g. CIFAR-10). */
function randomImages(shape: readonly number[], numClasses: number, n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const features = new Uint8Array(n * size(shape)).map(() => rng.int(256));
  const labels = new Uint8Array(n).map(() => rng.int(numClasses));
  return arrayDataset({ name: 'cifar10 (random)', inputShape: shape, numClasses, train: { features, labels }, test: { features, labels } });
}
