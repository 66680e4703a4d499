import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, describeBackend, selectBackend, size, type BackendName, type EpochEndEvent } from '@feedback-lab/core';
import { GENERATOR_NAMES, generatorByName } from '@feedback-lab/feedback';
import { DEFAULT_MEMORY_BUDGET_BYTES, checkMemoryBudget, stepMemoryProfiler } from '@feedback-lab/profiler';
import { OPTIMIZERS, createOptimizer, createTrainer, type OptimizerName } from '@feedback-lab/trainer';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { openDataset } from '../datasets';
import { buildChosenModel, resolveSpec } from '../model-choice';
import { DATA_OPTIONS, MODEL_OPTIONS } from '../options';
import { progressBar } from '../progress';
import { alignmentReporter } from '../alignment';
import { RULES, RULE_NAMES, type RuleName } from '../registry';
import type { Io } from '../io';

export const TRAIN_OPTIONS = {
  rule: { kind: 'string', choices: RULE_NAMES, default: 'bp', help: 'learning rule' },
  ...DATA_OPTIONS,
  ...MODEL_OPTIONS,
  optimizer: { kind: 'string', choices: OPTIMIZERS, default: 'momentum', help: 'optimizer (momentum uses 0.9)' },
  lr: { kind: 'number', default: 0.01, help: 'learning rate' },
  'batch-size': { kind: 'int', default: 64, min: 1, help: 'samples per step' },
  epochs: { kind: 'int', default: 2, min: 1, help: 'passes over the training data' },
  seed: { kind: 'int', default: 1, min: 0, help: 'seed for weights, data order and feedback' },
  limit: { kind: 'int', min: 1, help: 'train on the first N training samples only' },
  backend: { kind: 'string', choices: BACKENDS.filter((b) => b === 'wasm' || b === 'cpu'), default: 'wasm', help: 'tfjs backend' },
  feedback: { kind: 'string', choices: GENERATOR_NAMES, help: 'feedback-matrix generator for fa/dfa (default: the rule\'s own, xavier for fa, he-normal for dfa)' },
  'feedback-scale': { kind: 'number', help: 'multiplies the feedback matrices\' entries' },
  'feedback-mode': { kind: 'string', choices: ['stored', 'regenerate'], default: 'stored', help: 'dfa/mem-dfa: keep the feedback matrices or regenerate them from the seed when needed' },
  'memory-budget': { kind: 'number', default: DEFAULT_MEMORY_BUDGET_BYTES / 2 ** 20, min: 1, help: 'MiB; refuse to start when the predicted peak is larger (wasm32 tops out at 4096 and fails silently)' },
  'align-every': { kind: 'int', min: 1, help: 'every N steps, print the angle between each block\'s update and the BP gradient' },
  'profile-every': { kind: 'int', default: 50, min: 1, help: 'measure peak memory on one step in N' },
  json: { kind: 'boolean', help: 'print one JSON object per line instead of text' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

export async function train(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, TRAIN_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl train [options]', TRAIN_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  const backend = await selectBackend(o.backend as BackendName);
  const dataset = await openDataset(o.dataset!, {
    dataDir: o['data-dir'], seed: o.seed, download: o.download, normalize: o.normalize, log: (l) => io.err.write(`${l}\n`),
  });
  const { spec, label, arch } = resolveSpec(o, dataset);
  const ruleName = o.rule as RuleName;
  const feedback = o['feedback-mode'] as 'stored' | 'regenerate';
  // The memory model predicts dense stacks only; conv specs skip the budget check.
  const widths = spec.layers.every((l) => l.type === 'dense') ? [size(spec.input), ...spec.layers.map((l) => (l as { units: number }).units)] : undefined;
  if (widths) checkMemoryBudget({ arch: widths, batchSize: o['batch-size']!, rule: ruleName, optimizer: o.optimizer as OptimizerName, feedback }, o['memory-budget']! * 2 ** 20);
  const model = buildChosenModel(spec, dataset, o.seed!);
  const scale = o['feedback-scale'];
  const generator = o.feedback ? generatorByName(o.feedback, { scale, seed: o.seed }) : undefined;
  const rule = RULES[ruleName]({ seed: o.seed!, generator, scale, feedback });
  const optimizer = createOptimizer({ name: o.optimizer as OptimizerName, lr: o.lr! });
  const profiler = stepMemoryProfiler({ every: o['profile-every'] });
  const bar = progressBar(io.err);
  const base = { backend: backend.name, rule: ruleName, model: label, ...(arch ? { arch } : {}), dataset: dataset.name, ...(o.feedback ? { feedback: o.feedback } : {}) };

  if (!o.json) {
    io.out(`training ${ruleName} on ${dataset.name} (${o.limit ?? dataset.size('train')} samples), ${label}, ` +
      `${o.optimizer} lr ${o.lr}, batch ${o['batch-size']}, ${o.epochs} epoch(s), seed ${o.seed}, backend ${describeBackend(backend)}\n`);
  }
  const line = (e: EpochEndEvent) => ({
    epoch: e.epoch, loss: round(e.loss, 5), trainAccuracy: round(e.trainAccuracy, 5), testAccuracy: round(e.testAccuracy, 5),
    samplesPerSec: Math.round(e.samplesPerSec), seconds: round(e.seconds, 2), peakBytes: e.memory.peakBytes, ...base,
  });
  const align = o['align-every']
    ? await alignmentReporter({ every: o['align-every'], model, rule, dataset, json: !!o.json, out: io.out, base })
    : undefined;
  const trainer = createTrainer({
    model, rule, optimizer, dataset, seed: o.seed,
    callbacks: [
      profiler,
      ...(align ? [align] : []),
      {
        onBatchEnd: (e) => bar.update(e),
        onEpochEnd: (e) => {
          bar.clear();
          if (o.json) io.out(JSON.stringify({ event: 'epoch', ...line(e) }) + '\n');
          else io.out(`epoch ${e.epoch}/${o.epochs}  loss ${e.loss.toFixed(4)}  train acc ${pct(e.trainAccuracy)}  test acc ${pct(e.testAccuracy)}  ` +
            `${e.samplesPerSec.toFixed(0)} samples/s  ${e.seconds.toFixed(1)} s  peak ${(e.memory.peakBytes / 2 ** 20).toFixed(1)} MiB\n`);
        },
      },
    ],
  });
  try {
    const epochs = await trainer.fit({ epochs: o.epochs!, batchSize: o['batch-size']!, limit: o.limit });
    const last = epochs[epochs.length - 1]!;
    const finalAlignment = align?.measure(trainer.step);
    if (o.json) io.out(JSON.stringify({ event: 'done', ...line(last), epochs: o.epochs, steps: trainer.step, ...(finalAlignment ? { alignment: finalAlignment.updateAngles.map((a) => round(a, 2)) } : {}) }) + '\n');
    else io.out(`done: test accuracy ${pct(last.testAccuracy)} after ${o.epochs} epoch(s), ${trainer.step} steps\n`);
  } finally {
    align?.dispose();
    bar.clear();
    rule.dispose();
    optimizer.dispose();
    model.dispose();
    tf.disposeVariables();
  }
  return 0;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
