import { UsageError, explicitOptions, parseOptions } from '../args';
import { checkRuleFlags } from '../rule-options';
import { TRAIN_OPTIONS } from '../commands/train';
import { REPRODUCE_MODELS, REPRODUCE_MODEL_NAMES, trainArgs, type CellConfig } from './plan';

/**
 * `fbl train` options a cell may not set through `options`: paths (a cell writes only into its
 * own directory, and a queued cell names no file of the machine that runs it), the options the
 * cell runner sets itself, and those with a field of their own in CellConfig.
 */
export const CELL_RUNNER_OPTIONS: readonly string[] = [
  'model', 'data-dir', 'download', 'checkpoint-dir', 'checkpoint-every', 'resume', 'json', 'help', 'threads', 'epochs',
  'rule', 'preset', 'arch', 'dataset', 'seed', 'optimizer', 'lr', 'lr-decay-steps', 'batch-size', 'feedback-scale', 'feedback', 'feedback-conv', 'normalize', 'limit',
];

const FIELDS: Record<keyof CellConfig, 'string' | 'number' | 'boolean' | 'object'> = {
  model: 'string', preset: 'string', dataset: 'string', dataDir: 'string', rule: 'string', seed: 'number', optimizer: 'string', lr: 'number',
  lrDecaySteps: 'number', batchSize: 'number', feedbackScale: 'number', feedback: 'string', feedbackConv: 'string', normalize: 'boolean', limit: 'number',
  options: 'object',
};
const REQUIRED: (keyof CellConfig)[] = ['model', 'preset', 'dataset', 'rule', 'seed', 'optimizer', 'lr', 'batchSize', 'feedbackScale'];

/**
 * Checks a cell's settings that came from outside this process (a queue job, a sweep file)
 * field by field, then as the `fbl train` options they become, so a bad value is refused with
 * one line before anything trains. With `allowDataDir` false (a queued cell), a path is refused.
 * Returns the config; throws a UsageError naming the problem.
 */
export function validateCellConfig(raw: unknown, o: { allowDataDir: boolean }): CellConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError('a cell config must be an object');
  const c = raw as Record<string, unknown>;
  for (const [k, v] of Object.entries(c)) {
    const type = FIELDS[k as keyof CellConfig];
    if (!type) throw new UsageError(`cell config: unknown field "${k}"`);
    if (v === undefined) continue;
    if (type === 'object' ? typeof v !== 'object' || v === null || Array.isArray(v) : typeof v !== type) throw new UsageError(`cell config: ${k} must be a ${type}, got ${JSON.stringify(v)?.slice(0, 40)}`);
  }
  for (const k of REQUIRED) if (c[k] === undefined) throw new UsageError(`cell config: ${k} is missing`);
  if (!o.allowDataDir && c.dataDir !== undefined) throw new UsageError('cell config: a queued cell carries no dataDir (each worker has its own --data-dir)');
  const model = c.model as string;
  if (!REPRODUCE_MODEL_NAMES.includes(model as never)) throw new UsageError(`cell config: unknown model "${model}" (expected ${REPRODUCE_MODEL_NAMES.join(', ')})`);
  const m = REPRODUCE_MODELS[model as keyof typeof REPRODUCE_MODELS];
  if (c.preset !== m.preset || c.dataset !== m.dataset) throw new UsageError(`cell config: model ${model} is preset ${m.preset} on ${m.dataset}`);
  const options = (c.options ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(options)) {
    if (!(k in TRAIN_OPTIONS)) throw new UsageError(`cell config: "${k}" is not an fbl train option`);
    if (CELL_RUNNER_OPTIONS.includes(k)) throw new UsageError(`cell config: --${k} cannot be set as an extra option`);
    if (!['string', 'number', 'boolean'].includes(typeof v)) throw new UsageError(`cell config: option ${k} must be a string, number or boolean`);
  }
  const config = c as unknown as CellConfig;
  // The values themselves, as `fbl train` would read them: ranges, choices, integers.
  const parsed = parseOptions(trainArgs(config, 1), TRAIN_OPTIONS);
  checkRuleFlags(Object.keys(explicitOptions(trainArgs(config, 1), TRAIN_OPTIONS)), String(parsed.rule));
  if (!Number.isSafeInteger(config.seed) || config.seed < 0 || config.seed > 0xffff_ffff) throw new UsageError(`cell config: seed must be an integer from 0 to 4294967295, got ${config.seed}`);
  return config;
}
