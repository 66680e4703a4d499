import { FblError, OPTIMIZERS, validateSpec, type ModelSpec, type OptimizerName } from '@feedback-lab/core';
import { checkVersion, versionStamp, type CheckpointContent } from '@feedback-lab/checkpoint';
import { loadCheckpoint, saveCheckpoint } from '@feedback-lab/checkpoint/node';
import { captureTrainingState, type TrainingPosition, type TrainingState } from '@feedback-lab/trainer';
import { channelsOf } from '@feedback-lab/datasets';
import { runData, type Run, type RunConfig, type RunData } from './run-config';
import { readRuleFlags } from './rule-options';

/** A run's checkpoint: its config, where it stands, and its weights/optimizer/rule state. */
export interface RunCheckpoint {
  config: RunConfig;
  position: TrainingPosition;
  state: TrainingState;
}

/**
 * Captures `run` at `position` and writes it atomically to `dir`; returns the file's path. The
 * config's `data` is what the run's dataset says of itself, its normalisation statistics included.
 */
export async function saveRun(dir: string, config: RunConfig, position: TrainingPosition, run: Run): Promise<string> {
  const state = await captureTrainingState(run.model, run.optimizer, run.rule);
  return saveCheckpoint(dir, {
    meta: { version: versionStamp(), config: { ...config, data: runData(run.dataset) }, position, optimizer: state.optimizer, rule: state.rule },
    arrays: state.arrays,
  });
}

/** Reads, verifies and validates a run checkpoint; refuses one written by another version. */
export async function loadRun(dir: string): Promise<RunCheckpoint> {
  return parseRunCheckpoint(await loadCheckpoint(dir), dir);
}

/**
 * Validates the metadata of a decoded checkpoint field by field: it came from a file, so every
 * value is checked before use. Errors are CHECKPOINT FblErrors naming the bad field.
 */
export function parseRunCheckpoint(c: CheckpointContent, what: string): RunCheckpoint {
  const fail = (msg: string): never => {
    throw new FblError('CHECKPOINT', `${what}: ${msg}`);
  };
  const m = c.meta;
  checkVersion(m.version, what);
  const obj = (v: unknown, path: string) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${path} must be an object`));
  const int = (v: unknown, path: string) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(`${path} must be a non-negative integer, got ${JSON.stringify(v)}`));
  const num = (v: unknown, path: string) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(`${path} must be a finite number, got ${JSON.stringify(v)}`));
  const str = (v: unknown, path: string) => (typeof v === 'string' && v.length <= 4096 ? v : fail(`${path} must be a string, got ${JSON.stringify(v)?.slice(0, 60)}`));
  const cfg = obj(m.config, 'config');
  const opt = <T>(key: string, read: (v: unknown, path: string) => T) => (cfg[key] === undefined ? {} : { [key]: read(cfg[key], `config.${key}`) });
  const bool = (v: unknown, path: string) => (typeof v === 'boolean' ? v : fail(`${path} must be true or false, got ${JSON.stringify(v)}`));
  const data = obj(cfg.data, 'config.data');
  const shape = Array.isArray(data.inputShape) && data.inputShape.length <= 4 ? data.inputShape.map((d, i) => int(d, `config.data.inputShape[${i}]`)) : fail('config.data.inputShape must be an array of at most 4 sizes');
  // the statistics export builds into the model: one finite mean and one positive std per channel
  const stats = (v: unknown, path: string, positive: boolean) => {
    const ch = channelsOf(shape);
    if (!Array.isArray(v) || v.length !== ch) return fail(`${path} must be an array of ${ch} numbers (one per channel), got ${JSON.stringify(v)?.slice(0, 60)}`);
    return v.map((x, i) => {
      const value = num(x, `${path}[${i}]`);
      return positive && !(value > 0) ? fail(`${path}[${i}] must be positive, got ${value}`) : value;
    });
  };
  let normalization: RunData['normalization'];
  if (data.normalization !== undefined) {
    if (cfg.normalize !== true) fail('config.data.normalization is recorded but config.normalize is not true');
    const n = obj(data.normalization, 'config.data.normalization');
    const extra = Object.keys(n).find((k) => k !== 'mean' && k !== 'std');
    if (extra) fail(`config.data.normalization has an unknown field ${JSON.stringify(extra)} (mean and std only)`);
    normalization = { mean: stats(n.mean, 'config.data.normalization.mean', false), std: stats(n.std, 'config.data.normalization.std', true) };
  }
  let spec: ModelSpec;
  try {
    spec = validateSpec(cfg.spec, 'config.spec');
  } catch (err) {
    return fail((err as Error).message);
  }
  const config: RunConfig = {
    rule: str(cfg.rule, 'config.rule'), dataset: str(cfg.dataset, 'config.dataset'),
    ...opt('data-dir', str), ...opt('normalize', bool), ...opt('arch', str), ...opt('activation', str), ...opt('preset', str), ...opt('model', str),
    spec: spec!, data: { inputShape: shape, numClasses: int(data.numClasses, 'config.data.numClasses'), ...(normalization ? { normalization } : {}) },
    optimizer: str(cfg.optimizer, 'config.optimizer'), lr: num(cfg.lr, 'config.lr'), ...opt('lr-decay-steps', num),
    'batch-size': int(cfg['batch-size'], 'config.batch-size'), epochs: int(cfg.epochs, 'config.epochs'),
    seed: int(cfg.seed, 'config.seed'),
    ...opt('limit', int), backend: str(cfg.backend, 'config.backend'), ...readRuleFlags(cfg, fail),
  };
  const p = obj(m.position, 'position');
  const position: TrainingPosition = {
    epoch: int(p.epoch, 'position.epoch'), batchInEpoch: int(p.batchInEpoch, 'position.batchInEpoch'),
    step: int(p.step, 'position.step'), lossSum: num(p.lossSum, 'position.lossSum'), seen: int(p.seen, 'position.seen'),
  };
  if (position.epoch < 1) fail(`position.epoch must be at least 1, got ${position.epoch}`);
  const o = obj(m.optimizer, 'optimizer');
  if ('className' in o) fail('its optimizer state is in the old per-position layout (before it was keyed by parameter) and cannot be resumed; start the run again');
  const oo = obj(o.options, 'optimizer.options');
  const name = str(oo.name, 'optimizer.options.name');
  if (!(OPTIMIZERS as readonly string[]).includes(name)) fail(`optimizer.options.name must be one of ${OPTIMIZERS.join(', ')}, got ${JSON.stringify(name)}`);
  const optional = (key: string) => (oo[key] === undefined ? {} : { [key]: num(oo[key], `optimizer.options.${key}`) });
  const numbers = Object.entries(obj(o.numbers, 'optimizer.numbers'));
  if (numbers.length > 100_000) fail('optimizer.numbers has too many entries');
  const r = obj(m.rule, 'rule');
  const state: TrainingState = {
    arrays: c.arrays,
    optimizer: {
      options: { name: name as OptimizerName, lr: num(oo.lr, 'optimizer.options.lr'), ...optional('momentum'), ...optional('beta1'), ...optional('beta2'), ...optional('epsilon'), ...optional('decaySteps') },
      numbers: Object.fromEntries(numbers.map(([k, v]) => [k, Object.fromEntries(Object.entries(obj(v, `optimizer.numbers.${k}`)).map(([f, x]) => [f, num(x, `optimizer.numbers.${k}.${f}`)]))])),
    },
    rule: { name: str(r.name, 'rule.name'), state: r.state === null ? null : obj(r.state, 'rule.state') },
  };
  return { config, position, state };
}
