import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, describeBackend, presetDefaults, selectBackend, specDefaults, type BackendName, type TrainDefaults } from '@feedback-lab/core';
import { OPTIMIZERS, createOptimizer, createTrainer, type OptimizerName } from '@feedback-lab/trainer';
import { UsageError, parseSeed, formatHelp, parseOptions, type Specs } from '../args';
import { accuracyTable, type AccuracyRun } from '../bench/accuracy-table';
import { openDataset } from '../datasets';
import { buildChosenModel, resolveSpec } from '../model-choice';
import { DATA_OPTIONS, MODEL_OPTIONS } from '../options';
import { RULE_NAMES, isRuleName, ruleByName, trainDefaults } from '@feedback-lab/rules';
import type { Io } from '../io';
import { prepareOutputDir } from '../fs-errors';

export const ACCURACY_OPTIONS = {
  rules: { kind: 'string', default: RULE_NAMES.join(','), help: `comma-separated rules (known: ${RULE_NAMES.join(', ')})` },
  ...DATA_OPTIONS,
  ...MODEL_OPTIONS,
  epochs: { kind: 'int', default: 1, min: 1, help: 'epochs per run' },
  seeds: { kind: 'string', default: '1', help: 'comma-separated seeds; one run per rule and seed' },
  optimizer: { kind: 'string', choices: OPTIMIZERS, help: 'optimizer (momentum uses 0.9; default: the preset\'s, fbl presets)' },
  lr: { kind: 'number', help: 'learning rate for every rule (default: the preset\'s)' },
  lrs: { kind: 'string', help: 'per-rule learning rates overriding --lr, e.g. dfa=0.005,mem-dfa=0.005' },
  'feedback-scales': { kind: 'string', help: 'per-rule multipliers of the feedback matrices, e.g. dfa=0.1,mem-dfa=0.1 (default: the preset\'s)' },
  'batch-size': { kind: 'int', min: 1, help: 'samples per step (default: the preset\'s)' },
  limit: { kind: 'int', min: 1, help: 'train on the first N training samples only' },
  backend: { kind: 'string', choices: BACKENDS.filter((b) => b === 'wasm' || b === 'cpu'), default: 'wasm', help: 'tfjs backend' },
  out: { kind: 'string', help: 'also write the table (.md) and every run (.json) to this directory' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const USAGE = 'usage: fbl bench accuracy --rules bp,fa,dfa,mem-dfa --preset P --dataset D --epochs N [--seeds 1,2,3] [--out DIR]';

function list(text: string, what: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${what} must list at least one value`);
  return items;
}

/** Parses `rule=value,rule=value` into a map, checking rules and positive values. */
function perRule(text: string | undefined, what: string, rules: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pair of text ? list(text, what) : []) {
    const [rule, raw] = pair.split('=');
    const value = Number(raw);
    if (!rule || !rules.includes(rule) || !(value > 0)) throw new UsageError(`--${what} entries must be RULE=NUMBER for a rule in --rules, got "${pair}"`);
    out.set(rule, value);
  }
  return out;
}

/** `he-normal × 0.3`, or `rule's own` when the preset leaves the rule's default feedback alone. */
function describeFeedback(d: TrainDefaults, scale: number | undefined): string {
  const s = scale ?? d.feedbackScale;
  return `${d.feedback ?? 'own'}${s !== 1 ? ` × ${s}` : ''}${d.feedbackConv === 'positions' ? ' (conv ÷ √positions)' : ''}`;
}

/** `fbl bench accuracy`: test accuracy of several rules on one model and dataset, over seeds. */
export async function benchAccuracy(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, ACCURACY_OPTIONS);
  if (o.help) {
    io.out(formatHelp(USAGE, ACCURACY_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  if (o.out) prepareOutputDir(o.out, '--out'); // before the work, not after it
  const rules = list(o.rules!, 'rules');
  for (const r of rules) if (!isRuleName(r)) throw new UsageError(`unknown rule "${r}" (expected ${RULE_NAMES.join(', ')})`);
  const seeds = list(o.seeds!, 'seeds').map((s) => parseSeed(s));
  const lrs = perRule(o.lrs, 'lrs', rules);
  const scales = perRule(o['feedback-scales'], 'feedback-scales', rules);
  const backend = await selectBackend(o.backend as BackendName);
  // The preset's hyperparameters per rule, unless given (presetDefaults throws for an unknown preset).
  let defaults = (rule: string) => trainDefaults(presetDefaults(o.preset), rule);
  const normalize = o.normalize || defaults('bp').normalize;
  const optimizerName = o.optimizer ?? defaults('bp').optimizer;
  const batchSize = o['batch-size'] ?? defaults('bp').batchSize;
  const dataset = await openDataset(o.dataset!, {
    dataDir: o['data-dir'], download: o.download, normalize, log: (l) => io.err.write(`${l}\n`),
  });
  const { spec, label } = resolveSpec(o, dataset);
  // Without a preset, the feedback follows what the model computes (as `fbl train`).
  if (!o.preset) defaults = (rule: string) => trainDefaults(specDefaults(spec), rule);
  const samples = Math.min(o.limit ?? Infinity, dataset.size('train'));
  const config =
    `bench accuracy: ${label} on ${dataset.name}${normalize ? ' (normalised)' : ''}, ${samples} train / ${dataset.size('test')} test samples, ` +
    `${o.epochs} epoch(s), ${optimizerName} lr ${o.lr ?? (o.preset ? `${defaults('bp').lr} (preset)` : defaults('bp').lr)}${o.lrs ? ` (${o.lrs})` : ''}` +
    `, feedback ${rules.map((r) => `${r}: ${describeFeedback(defaults(r), scales.get(r))}`).join('; ')}, batch ${batchSize}, seeds ${seeds.join(',')}, backend ${describeBackend(backend)}`;
  io.out(`${config}\n\n`);

  const runs: AccuracyRun[] = [];
  for (const ruleName of rules) {
    for (const seed of seeds) {
      const d = defaults(ruleName);
      const lr = lrs.get(ruleName) ?? o.lr ?? d.lr;
      const scale = scales.get(ruleName) ?? d.feedbackScale;
      const create = await ruleByName(ruleName).load();
      const model = buildChosenModel(spec, dataset, seed);
      const rule = create({ seed, 'feedback-scale': scale, feedback: d.feedback, 'feedback-conv': d.feedbackConv });
      const optimizer = createOptimizer({ name: optimizerName as OptimizerName, lr, decaySteps: d.lrDecaySteps });
      const t0 = performance.now();
      try {
        const trainer = createTrainer({ model, rule, optimizer, dataset, seed });
        const epochs = await trainer.fit({ epochs: o.epochs!, batchSize, limit: o.limit });
        const last = epochs[epochs.length - 1]!;
        const run: AccuracyRun = {
          rule: ruleName, seed, lr, epochs: o.epochs!, testAccuracy: last.testAccuracy,
          trainAccuracy: last.trainAccuracy, seconds: (performance.now() - t0) / 1000,
        };
        runs.push(run);
        io.err.write(`  ${ruleName} seed ${seed}: test ${(run.testAccuracy * 100).toFixed(2)}% in ${run.seconds.toFixed(1)} s\n`);
      } finally {
        rule.dispose();
        optimizer.dispose();
        model.dispose();
      }
    }
  }
  const table = accuracyTable(runs, rules);
  io.out(`${table}\n`);
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    const base = join(o.out, `accuracy-${(o.preset ?? 'model').replace(/[^\w.-]/g, '_')}-${dataset.name}`);
    writeFileSync(`${base}.md`, `${config}\n\n${table}\n`);
    writeFileSync(`${base}.json`, JSON.stringify({ config, backend: backend.name, runs }, null, 2) + '\n');
    io.out(`\nwrote ${base}.md and ${base}.json\n`);
  }
  tf.disposeVariables();
  return 0;
}
