import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FblError, presetDefaults } from '@feedback-lab/core';
import { CIFAR10_FILES } from '@feedback-lab/datasets';
import { trainDefaults } from '@feedback-lab/rules';
import { UsageError } from '../args';

/**
 * The models of the paper's comparison: a preset and the dataset it is trained on. `samples`
 * are the dataset's official split sizes; `weight` is a rough per-sample cost relative to
 * mnist-fc (measured once on wasm: mnist-fc ≈ 12 000 samples/s, mnist-conv ≈ 380), used only to
 * start the slowest cells first and to guess an ETA before a model has finished an epoch.
 */
export const REPRODUCE_MODELS = {
  'mnist-fc': { preset: 'mnist-fc', dataset: 'mnist', trainSamples: 60_000, testSamples: 10_000, weight: 1 },
  'mnist-conv': { preset: 'mnist-conv', dataset: 'mnist', trainSamples: 60_000, testSamples: 10_000, weight: 30 },
  'cifar-conv': { preset: 'cifar-conv', dataset: 'cifar10', trainSamples: 50_000, testSamples: 10_000, weight: 80 },
} as const;
export type ReproduceModel = keyof typeof REPRODUCE_MODELS;
export const REPRODUCE_MODEL_NAMES = Object.keys(REPRODUCE_MODELS) as ReproduceModel[];

/**
 * What `--quick` shrinks: one epoch on the first N training samples (the full test set is still
 * scored) and a short depth sweep. Sized so the whole comparison with CIFAR-10 takes about ten
 * minutes on two cores; the hyperparameters stay the presets'.
 */
export const QUICK = {
  epochs: 1,
  limits: { 'mnist-fc': 10_000, 'mnist-conv': 3_000, 'cifar-conv': 2_000 } satisfies Record<ReproduceModel, number>,
  depths: [1, 2, 4, 8],
};

/**
 * Everything that decides a cell's numbers except the epoch count, which may grow on a rerun
 * (a cell then continues from its checkpoint). Stored as cell.json beside the checkpoint.
 */
export interface CellConfig {
  model: ReproduceModel;
  preset: string;
  dataset: string;
  dataDir?: string;
  rule: string;
  seed: number;
  optimizer: string;
  lr: number;
  /** Inverse-time lr decay (`--lr-decay-steps`); undefined: constant. */
  lrDecaySteps?: number;
  batchSize: number;
  feedbackScale: number;
  /** Feedback generator by name; undefined: the rule's own. */
  feedback?: string;
  /** DFA/MEM-DFA conv scaling (`positions`); undefined: none. */
  feedbackConv?: 'none' | 'positions';
  /** Inputs standardised per channel (the preset's default). */
  normalize?: boolean;
  limit?: number;
  /**
   * Further `fbl train` options of a sweep trial (`{"label-smoothing": 0.1}` → `--label-smoothing
   * 0.1`), validated by validateCellConfig: never a path or an option the cell runner sets.
   */
  options?: Record<string, string | number | boolean>;
}

/** One run of the comparison: a model × rule × seed, checkpointed in `dir`. */
export interface Cell {
  /** `<model>-<rule>-s<seed>`, also the directory name under OUT/cells. */
  id: string;
  dir: string;
  config: CellConfig;
  epochs: number;
}

export interface PlanOptions {
  out: string;
  models: readonly ReproduceModel[];
  rules: readonly string[];
  seeds: readonly number[];
  /** Overrides the presets' epoch count. */
  epochs?: number;
  /** Per-model training-sample limits (`--limit` applies one to all). */
  limits?: Partial<Record<ReproduceModel, number>>;
  dataDir?: string;
}

/**
 * Expands models × rules × seeds into cells, reading each cell's hyperparameters from
 * `trainDefaults(presetDefaults(preset), rule)` at run time (the preset's, with the rule's own for
 * its kind over them), so tuned presets and rules apply without touching this code.
 */
export function planCells(o: PlanOptions): Cell[] {
  const cells: Cell[] = [];
  for (const model of o.models) {
    const m = REPRODUCE_MODELS[model];
    for (const rule of o.rules) {
      const d = trainDefaults(presetDefaults(m.preset), rule);
      for (const seed of o.seeds) {
        const id = `${model}-${rule}-s${seed}`;
        const limit = o.limits?.[model];
        cells.push({
          id, dir: join(o.out, 'cells', id), epochs: o.epochs ?? d.epochs,
          config: {
            model, preset: m.preset, dataset: m.dataset, ...(m.dataset === 'cifar10' && o.dataDir ? { dataDir: resolve(o.dataDir) } : {}),
            rule, seed, optimizer: d.optimizer, lr: d.lr, ...(d.lrDecaySteps !== undefined ? { lrDecaySteps: d.lrDecaySteps } : {}), batchSize: d.batchSize, feedbackScale: d.feedbackScale, ...(d.feedback ? { feedback: d.feedback } : {}), ...(d.feedbackConv && d.feedbackConv !== 'none' ? { feedbackConv: d.feedbackConv } : {}), ...(d.normalize ? { normalize: true } : {}),
            ...(limit !== undefined ? { limit } : {}),
          },
        });
      }
    }
  }
  return cells;
}

/** The `fbl train` options of a fresh cell (the worker adds --checkpoint-dir and --json). */
export function trainArgs(c: CellConfig, epochs: number): string[] {
  return [
    '--rule', c.rule, '--preset', c.preset, '--dataset', c.dataset, ...(c.dataDir ? ['--data-dir', c.dataDir] : []),
    '--seed', String(c.seed), '--optimizer', c.optimizer, '--lr', String(c.lr), ...(c.lrDecaySteps !== undefined ? ['--lr-decay-steps', String(c.lrDecaySteps)] : []), '--batch-size', String(c.batchSize),
    '--epochs', String(epochs),
    // As `fbl train` does, a scale of 1 is left out of the config when it is the preset's own; on a
    // preset with another scale (a sweep's trial) it must be said, or the preset's would train.
    ...(c.feedbackScale !== 1 || trainDefaults(presetDefaults(c.preset), c.rule).feedbackScale !== 1 ? ['--feedback-scale', String(c.feedbackScale)] : []),
    ...(c.limit !== undefined ? ['--limit', String(c.limit)] : []),
    ...(c.normalize ? ['--normalize'] : []),
    ...(c.feedback ? ['--feedback', c.feedback] : []),
    ...(c.feedbackConv ? ['--feedback-conv', c.feedbackConv] : []),
    ...Object.entries(c.options ?? {}).flatMap(([k, v]) => (v === true ? [`--${k}`] : v === false ? [] : [`--${k}`, String(v)])),
  ];
}

/** Training samples per epoch of a cell. */
export function cellSamples(c: CellConfig): number {
  return Math.min(c.limit ?? Infinity, REPRODUCE_MODELS[c.model].trainSamples);
}

/**
 * A cell's relative cost per epoch: training samples plus the epoch-end evaluations (up to
 * 10 000 train and all test samples, forward only, about a third of a training step each).
 */
export function epochWork(c: CellConfig): number {
  const m = REPRODUCE_MODELS[c.model];
  const n = cellSamples(c);
  return m.weight * (n + (Math.min(n, 10_000) + m.testSamples) / 3);
}

/**
 * The CIFAR-10 directory the planned cells record. Locally: `--data-dir`, required and checked
 * when cifar-conv is planned. On a queue: none, since queued cells carry no paths and each worker
 * reads CIFAR-10 from its own `--data-dir`.
 */
export function plannedDataDir(models: readonly ReproduceModel[], dataDir: string | undefined, queue: string | undefined): string | undefined {
  if (queue || !models.includes('cifar-conv')) return undefined;
  if (!dataDir) throw new UsageError('cifar-conv needs --data-dir DIR with the CIFAR-10 binary batches');
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, CIFAR10_FILES.test))) {
    throw new FblError('DATA_MISSING', `--data-dir ${dir} has no ${CIFAR10_FILES.test}: give the directory of the CIFAR-10 binary batches (data_batch_1.bin … test_batch.bin)`);
  }
  return dir;
}
