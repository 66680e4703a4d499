import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ACTIVATIONS, BACKENDS, describeBackend, parseArch, selectBackend, type ActivationName, type BackendName } from '@feedback-lab/core';
import { formatSpeed, runSpeed, speedEvents } from '@feedback-lab/bench';
import { OPTIMIZERS, type OptimizerName } from '@feedback-lab/trainer';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { DATASET_NAMES, openDataset } from '../datasets';
import { RULE_NAMES, isRuleName, ruleByName } from '@feedback-lab/rules';
import type { Io } from '../io';
import { THREADS_OPTION, noteBackend, threadsFor } from '../threads';

export const SPEED_OPTIONS = {
  rules: { kind: 'string', default: RULE_NAMES.join(','), help: `comma-separated rules to time (${RULE_NAMES.join(', ')})` },
  arch: { kind: 'string', default: '784-800-800-10', help: 'layer widths joined by "-", input first, classes last' },
  activation: { kind: 'string', choices: ACTIVATIONS, default: 'tanh', help: 'hidden activation' },
  'batch-size': { kind: 'int', default: 64, min: 1, help: 'samples per step' },
  steps: { kind: 'int', default: 40, min: 1, help: 'timed steps per contender (medians are reported)' },
  warmup: { kind: 'int', default: 5, min: 0, help: 'untimed steps per contender first' },
  optimizer: { kind: 'string', choices: OPTIMIZERS, default: 'momentum', help: 'optimizer (momentum uses 0.9)' },
  lr: { kind: 'number', default: 0.01, help: 'learning rate' },
  seed: { kind: 'int', default: 1, min: 0, help: 'seed for weights, data order and feedback' },
  dataset: { kind: 'string', choices: DATASET_NAMES, default: 'mnist', help: 'dataset the batches come from' },
  'data-dir': { kind: 'string', help: 'directory with the four MNIST-format IDX files (plain or .gz) instead of the bundled ones' },
  backend: { kind: 'string', choices: BACKENDS.filter((b) => b === 'wasm' || b === 'cpu'), default: 'wasm', help: 'tfjs backend' },
  ...THREADS_OPTION,
  'no-layers': { kind: 'boolean', help: 'skip the stock tfjs-layers peer' },
  json: { kind: 'boolean', help: 'print JSON lines instead of a table' },
  out: { kind: 'string', help: 'directory to write speed.jsonl and speed.txt into' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const USAGE = `usage: fbl bench speed [options]

Times one training step of each rule and of stock tfjs-layers on the same network, alternating
contenders step by step; reports median step time, samples/s, GFLOP/s and the fraction of the
backend's own matMul throughput on the layer shapes.`;

/** `fbl bench speed [options]`: argv after `speed`. */
export async function benchSpeed(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, SPEED_OPTIONS);
  if (o.help) {
    io.out(formatHelp(USAGE, SPEED_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  const names = o.rules!.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!isRuleName(n)) throw new UsageError(`unknown rule "${n}" in --rules (expected ${RULE_NAMES.join(', ')})`);
  const arch = parseArch(o.arch!);
  const backend = await selectBackend(o.backend as BackendName, { threads: threadsFor(o) });
  noteBackend(backend, io);
  const dataset = await openDataset(o.dataset!, { dataDir: o['data-dir'], seed: o.seed });
  const loadBefore = loadavg()[0]!;
  const report = await runSpeed({
    rules: Object.fromEntries(await Promise.all(names.map(async (n) => [n, await ruleByName(n).load()] as const))),
    dataset, arch, batchSize: o['batch-size']!, steps: o.steps, warmup: o.warmup,
    activation: o.activation as ActivationName, optimizer: o.optimizer as OptimizerName, lr: o.lr!, seed: o.seed!,
    layersPeer: !o['no-layers'],
    cpuNow: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    },
  });
  const load = { loadavg1Before: round2(loadBefore), loadavg1After: round2(loadavg()[0]!) };
  const config = { arch: o.arch, batchSize: o['batch-size'], steps: o.steps, activation: o.activation, optimizer: o.optimizer, dataset: dataset.name };
  const lines = speedEvents(report, { ...config, ...load }).map((e) => JSON.stringify(e)).join('\n') + '\n';
  const text = `bench speed: ${o.arch} ${o.activation}, batch ${o['batch-size']}, ${o.steps} steps, ${o.optimizer}, ` +
    `${describeBackend(backend)}, load ${load.loadavg1Before} → ${load.loadavg1After}\n` + formatSpeed(report);
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
