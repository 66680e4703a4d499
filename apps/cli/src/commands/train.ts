import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, FblError, describeBackend, presetDefaults, selectBackend, specDefaults, type BackendName, type EpochEndEvent, type TrainDefaults } from '@feedback-lab/core';
import { describeDifferences, diffConfig } from '@feedback-lab/checkpoint';
import { checkpointPath } from '@feedback-lab/checkpoint/node';
import { DEFAULT_MEMORY_BUDGET_BYTES, heapGuard, stepMemoryProfiler } from '@feedback-lab/profiler';
import { DIVERGE_POLICIES, OPTIMIZERS, createTrainer, restoreTrainingState, type DivergePolicy } from '@feedback-lab/trainer';
import { SEED_MAX, UsageError, explicitOptions, formatHelp, parseOptions, type Specs } from '../args';
import { resolveSpec } from '../model-choice';
import { DATA_OPTIONS, MODEL_OPTIONS } from '../options';
import { progressBar } from '../progress';
import { alignmentReporter } from '../alignment';
import { RULE_NAMES, trainDefaults } from '@feedback-lab/rules';
import { RULE_OPTIONS, checkRuleFlags } from '../rule-options';
import { RESULT_KEYS, buildRun, checkPredictedBudget, openRunDataset, predictedStepBytes, type RunConfig } from '../run-config';
import { loadRun, saveRun, type RunCheckpoint } from '../run-checkpoint';
import { openDataset } from '../datasets';
import type { Io } from '../io';
import { THREADS_OPTION, noteBackend, threadsFor } from '../threads';
import { lrLabel } from '../lr-label';
import { lockDir } from '../dir-lock';
import { prepareOutputDir, statIfExists } from '../fs-errors';

export const TRAIN_OPTIONS = {
  rule: { kind: 'string', choices: RULE_NAMES, default: 'bp', help: 'learning rule' },
  ...DATA_OPTIONS,
  ...MODEL_OPTIONS,
  optimizer: { kind: 'string', choices: OPTIMIZERS, help: 'optimizer (momentum uses 0.9; default: the preset\'s, see fbl presets; momentum for --arch)' },
  lr: { kind: 'number', help: 'learning rate (default: the preset\'s; 0.01 for --arch)' },
  'lr-decay-steps': { kind: 'number', min: 1, help: 'inverse-time decay, lr / (1 + step / N): the rate halves after N steps (default: the preset\'s, see fbl presets; constant)' },
  'batch-size': { kind: 'int', min: 1, help: 'samples per step (default: the preset\'s; 64 for --arch)' },
  epochs: { kind: 'int', min: 1, help: 'passes over the training data (default: the preset\'s; 2 for --arch)' },
  seed: { kind: 'int', default: 1, min: 0, max: SEED_MAX, help: 'seed for weights, data order and feedback' },
  limit: { kind: 'int', min: 1, help: 'train on the first N training samples only' },
  backend: { kind: 'string', choices: BACKENDS.filter((b) => b === 'wasm' || b === 'cpu'), default: 'wasm', help: 'tfjs backend' },
  ...THREADS_OPTION,
  ...RULE_OPTIONS,
  'memory-budget': { kind: 'number', default: DEFAULT_MEMORY_BUDGET_BYTES / 2 ** 20, min: 1, help: 'MiB; refuse to start when the predicted peak is larger (wasm32 tops out at 4096 and fails silently)' },
  'align-every': { kind: 'int', min: 1, help: 'every N steps, print the angle between each block\'s update and the BP gradient' },
  'checkpoint-dir': { kind: 'string', help: 'write a checkpoint here at every epoch end (atomically; the previous one survives a crash)' },
  overwrite: { kind: 'boolean', help: 'let --checkpoint-dir replace the checkpoint of another run that it holds' },
  'checkpoint-every': { kind: 'int', min: 1, help: 'also checkpoint every N steps (needs --checkpoint-dir or --resume)' },
  resume: { kind: 'string', help: 'continue the run checkpointed in this directory (its config; options given must match it, but --data-dir may say where the same data lives now)' },
  'on-diverge': { kind: 'string', choices: DIVERGE_POLICIES, default: 'stop', help: 'on a NaN/Inf loss or weight: stop, or undo the step and skip the batch (a loss ≥ 100× its start for 5 steps in a row always stops)' },
  'heap-limit-mb': { kind: 'int', default: 3584, min: 1, help: 'stop cleanly before the wasm heap passes this many MiB (wasm32 maximum 4096)' },
  'profile-every': { kind: 'int', default: 50, min: 1, help: 'measure peak memory on one step in N' },
  json: { kind: 'boolean', help: 'print one JSON object per line instead of text' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const CONFIG_KEYS = [...RESULT_KEYS, 'epochs'] as const;
const RESUME_CONFLICTS = ['download'] as const;

export async function train(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, TRAIN_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl train [options]', TRAIN_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  // Stored in the checkpoint: relative to where this run started, so absolute for the resume.
  if (o['data-dir']) o['data-dir'] = resolve(o['data-dir']);
  if (o['checkpoint-every'] !== undefined && !o['checkpoint-dir'] && !o.resume) throw new UsageError('--checkpoint-every needs --checkpoint-dir (or --resume)');
  if (!o.resume) checkRuleFlags(Object.keys(explicitOptions(argv, TRAIN_OPTIONS)), o.rule!);
  if (o.overwrite && !o['checkpoint-dir']) throw new UsageError('--overwrite needs --checkpoint-dir');
  for (const k of RESUME_CONFLICTS) if (o.resume && o[k]) throw new UsageError(`--${k} cannot be combined with --resume`);
  // Where checkpoints go is claimed before anything is loaded or trained: a bad path, a
  // directory in use or one holding another run's checkpoint fails now, not after an epoch.
  const checkpointDir = o['checkpoint-dir'] ?? o.resume;
  const unlock = checkpointDir ? claimCheckpointDir(o) : undefined;
  try {
    return await trainLocked(o, argv, io, checkpointDir);
  } finally {
    unlock?.();
  }
}

async function trainLocked(o: TrainParsed, argv: readonly string[], io: Io, checkpointDir: string | undefined): Promise<number> {
  let resumed: RunCheckpoint | undefined;
  let chosen = pick({ ...asOptions(trainDefaults(presetDefaults(o.preset), o.rule!)), ...o }, CONFIG_KEYS);
  if (o.resume) {
    resumed = await loadRun(o.resume);
    chosen = { ...resumed.config, ...pick(explicitOptions(argv, TRAIN_OPTIONS), CONFIG_KEYS) };
    // --data-dir may say where the same data lives now (another machine of a queue, a moved copy).
    const fixed = RESULT_KEYS.filter((k) => k !== 'data-dir');
    const diffs = diffConfig(pick(resumed.config, fixed), pick(chosen, fixed));
    if (diffs.length) throw new UsageError(`cannot resume from ${o.resume}: the options differ from its config (${describeDifferences(diffs)})`);
  }
  // A resumed run is only bit-identical on the backend that wrote it: no silent fallback.
  const backend = await selectBackend(chosen.backend as BackendName, { strict: !!resumed, threads: threadsFor(o) });
  noteBackend(backend, io);
  const dataset = await (resumed
    ? openRunDataset({ ...resumed.config, ...(o['data-dir'] ? { 'data-dir': o['data-dir'] } : {}) }, (l) => io.err.write(`${l}\n`))
    : openDataset(o.dataset!, { dataDir: o['data-dir'], seed: o.seed, download: o.download, normalize: chosen.normalize === true, log: (l) => io.err.write(`${l}\n`) }));
  // The checkpoint's resolved spec, never a re-read of a model file that may have changed.
  const { spec, label } = resumed ? { spec: resumed.config.spec, label: describeModel(resumed.config) } : resolveSpec(o, dataset);
  // Without a preset, the feedback defaults follow what the model computes (relu or tanh MLP, conv).
  if (!resumed && !o.preset) chosen = pick({ ...asOptions(trainDefaults(specDefaults(spec), o.rule!)), ...o }, CONFIG_KEYS);
  const config = { ...chosen, spec, data: { inputShape: [...dataset.inputShape], numClasses: dataset.numClasses } } as RunConfig;
  checkPredictedBudget(config, o['memory-budget']! * 2 ** 20);
  const run = await buildRun(config, dataset, o['heap-limit-mb']! * 2 ** 20);
  const profiler = stepMemoryProfiler({ every: o['profile-every'] });
  // Measured transient bytes once the profiler has a record, the memory model's prediction before.
  const predicted = predictedStepBytes(config);
  const guard = heapGuard({ limitBytes: o['heap-limit-mb']! * 2 ** 20, predictStepBytes: () => profiler.records.at(-1)?.transientBytes ?? predicted });
  const bar = progressBar(io.err);
  const base = { backend: backend.name, rule: config.rule, model: label, ...(config.arch ? { arch: config.arch } : {}), dataset: dataset.name, ...(config.feedback ? { feedback: config.feedback } : {}) };
  let disposeAlign: { dispose(): void } | undefined;
  try {
    if (resumed) await restoreTrainingState(run.model, run.optimizer, run.rule, resumed.state);
    if (o.json) {
      if (resumed) io.out(JSON.stringify({ event: 'resume', from: o.resume, ...resumed.position }) + '\n');
    } else {
      io.out(`${resumed ? `resuming from ${o.resume} at epoch ${resumed.position.epoch}, step ${resumed.position.step}: ` : ''}training ${config.rule} on ${dataset.name} ` +
        `(${config.limit ?? dataset.size('train')} samples), ${label}, ${config.optimizer} lr ${lrLabel(config.lr, config['lr-decay-steps'])}, ` +
        `batch ${config['batch-size']}, ${config.epochs} epoch(s), seed ${config.seed}, backend ${describeBackend(backend)}\n`);
    }
    const line = (e: EpochEndEvent) => ({
      epoch: e.epoch, loss: round(e.loss, 5), trainAccuracy: round(e.trainAccuracy, 5), testAccuracy: round(e.testAccuracy, 5),
      samplesPerSec: Math.round(e.samplesPerSec), seconds: round(e.seconds, 2), peakBytes: e.memory.peakBytes,
      ...(e.resumedAt !== undefined ? { resumedAt: e.resumedAt } : {}), ...base,
    });
    const align = o['align-every']
      ? await alignmentReporter({ every: o['align-every'], model: run.model, rule: run.rule, dataset, json: !!o.json, out: io.out, base })
      : undefined;
    disposeAlign = align;
    align?.measure(resumed?.position.step ?? 0); // before the first step: the rule's step size vs BP at the start
    const trainer = createTrainer({
      model: run.model, rule: run.rule, optimizer: run.optimizer, dataset, seed: config.seed,
      start: resumed?.position, onDiverge: o['on-diverge'] as DivergePolicy,
      checkpoint: checkpointDir ? { every: o['checkpoint-every'], save: (pos) => saveRun(checkpointDir, config, pos, run) } : undefined,
      callbacks: [
        guard, // sync wrapper: must sit inside the profiler's async one
        profiler,
        ...(align ? [align] : []),
        {
          onBatchEnd: (e) => bar.update(e),
          onBatchSkipped: (e) => void io.err.write(`fbl: warning: skipped the batch of step ${e.step} (epoch ${e.epoch}): ${e.reason}; the step was undone\n`),
          onEpochEnd: (e) => {
            bar.clear();
            if (o.json) io.out(JSON.stringify({ event: 'epoch', ...line(e) }) + '\n');
            else io.out(`epoch ${e.epoch}/${config.epochs}  loss ${e.loss.toFixed(4)}  train acc ${pct(e.trainAccuracy)}  test acc ${pct(e.testAccuracy)}  ` +
              `${e.samplesPerSec.toFixed(0)} samples/s  ${e.seconds.toFixed(1)} s  peak ${(e.memory.peakBytes / 2 ** 20).toFixed(1)} MiB` +
              `${e.resumedAt !== undefined ? ` (resumed at step ${e.resumedAt}: speed and peak of this process's part)` : ''}\n`);
          },
        },
      ],
    });
    const epochs = await trainer.fit({ epochs: config.epochs, batchSize: config['batch-size'], limit: config.limit });
    const last = epochs[epochs.length - 1];
    const test = last?.testAccuracy ?? (await trainer.evaluate('test')).accuracy;
    const finalAlignment = align?.measure(trainer.step);
    if (o.json) {
      io.out(JSON.stringify({
        event: 'done', ...(last ? line(last) : base), testAccuracy: round(test, 5), epochs: config.epochs, steps: trainer.step,
        ...(finalAlignment ? { alignment: finalAlignment.updateAngles.map((a) => round(a, 2)) } : {}),
      }) + '\n');
    }
    else io.out(`done: test accuracy ${pct(test)} after ${config.epochs} epoch(s), ${trainer.step} steps${checkpointDir ? `; checkpoint in ${checkpointDir}` : ''}\n`);
  } finally {
    bar.clear();
    disposeAlign?.dispose();
    run.dispose();
    tf.disposeVariables();
  }
  return 0;
}

type TrainParsed = ReturnType<typeof parseOptions<typeof TRAIN_OPTIONS>>;

/**
 * Checks that the checkpoint directory can be written and locks it for this run; refuses a
 * --checkpoint-dir that holds another run's checkpoint unless --overwrite (or it is the one
 * being resumed). Returns the release function.
 */
function claimCheckpointDir(o: TrainParsed): () => void {
  const dir = (o['checkpoint-dir'] ?? o.resume)!;
  if (o['checkpoint-dir']) prepareOutputDir(dir, '--checkpoint-dir');
  else if (!statIfExists(dir)?.isDirectory()) return () => {}; // loadRun says what is wrong
  else prepareOutputDir(dir, '--resume'); // it is written to at every checkpoint
  const release = lockDir(dir, 'fbl train', o.resume ? 'resume it when that run has stopped' : 'choose another --checkpoint-dir');
  const other = o['checkpoint-dir'] && !o.overwrite && existsSync(checkpointPath(dir)) && (!o.resume || resolve(o.resume) !== resolve(dir));
  if (other) {
    release();
    throw new FblError('IN_USE', `--checkpoint-dir ${dir} already holds a run's checkpoint; continue that run with --resume ${dir}, choose another directory, or pass --overwrite to replace it`);
  }
  return release;
}

/** A preset's (or a model's) hyperparameters as train options; explicit options win over them. */
function asOptions(d: TrainDefaults): Record<string, unknown> {
  return {
    optimizer: d.optimizer, lr: d.lr, 'batch-size': d.batchSize, epochs: d.epochs,
    ...(d.lrDecaySteps !== undefined ? { 'lr-decay-steps': d.lrDecaySteps } : {}),
    ...(d.feedback ? { feedback: d.feedback } : {}),
    ...(d.feedbackScale !== 1 ? { 'feedback-scale': d.feedbackScale } : {}),
    ...(d.normalize ? { normalize: true } : {}),
    ...(d.feedbackConv && d.feedbackConv !== 'none' ? { 'feedback-conv': d.feedbackConv } : {}),
  };
}

/** How a config named its model, for logs: as resolveSpec labels it. */
function describeModel(c: RunConfig): string {
  if (c.preset) return `preset ${c.preset}`;
  if (c.model) return `model ${c.model}`;
  return `arch ${c.arch ?? c.spec.name ?? ''} ${c.activation ?? 'tanh'}`.trim();
}

function pick(o: object, keys: readonly string[]): Record<string, unknown> {
  const r = o as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
