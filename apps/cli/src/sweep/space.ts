import { ruleFlags } from '@feedback-lab/rules';
import { UsageError, parseOptions, type OptionSpec, type Specs } from '../args';
import { TRAIN_OPTIONS } from '../commands/train';
import { CELL_RUNNER_OPTIONS } from '../reproduce/cell-config';
import { didYouMean } from './suggest';

/** One value of a swept `fbl train` option, as its spec reads it. */
export type ParamValue = string | number | boolean;

/**
 * What one swept option may take: a list of values (grid search, or drawn from uniformly in
 * a random search), or a uniform or log-uniform range (random search), integers for `int`
 * options or when asked.
 */
export type ParamSpace =
  | { name: string; kind: 'list'; values: ParamValue[] }
  | { name: string; kind: 'uniform' | 'log-uniform'; min: number; max: number; integer: boolean };

/** The `fbl train` options with a CellConfig field of their own: these may be swept. */
export const FIELD_OPTIONS = ['optimizer', 'lr', 'lr-decay-steps', 'batch-size', 'feedback-scale', 'feedback', 'feedback-conv', 'normalize'] as const;

/** `fbl train` options a sweep sets some other way, and where. */
const ELSEWHERE: Record<string, string> = {
  rule: 'rules are swept with --rules',
  seed: 'seeds are repeats of every trial: give --seeds',
  epochs: 'give --epochs (and --halving to stop hopeless trials early)',
  limit: 'give --limit',
  preset: 'choose models with --models', arch: 'choose models with --models', model: 'choose models with --models', dataset: 'choose models with --models',
  activation: 'a model\'s activations are its preset\'s: choose models with --models',
  'data-dir': 'a path: give --data-dir to fbl sweep itself',
  download: 'download CIFAR-10 once with fbl train --dataset cifar10 --data-dir DIR --download, then give --data-dir',
  threads: 'the sweep divides the cores among --workers',
  'checkpoint-every': 'give --checkpoint-every to fbl sweep itself',
  'checkpoint-dir': 'a path: every trial checkpoints into its own cell directory',
  resume: 'a path: rerun the same sweep to resume its trials',
};

const OPTIONS: Specs = TRAIN_OPTIONS;
const FORBIDDEN = new Set([...CELL_RUNNER_OPTIONS.filter((k) => !(FIELD_OPTIONS as readonly string[]).includes(k)), ...Object.keys(ELSEWHERE)]);
/** The `fbl train` options a sweep may search over. */
export const SWEEPABLE: readonly string[] = Object.keys(OPTIONS).filter((k) => !FORBIDDEN.has(k));

const RANGE = /^(log|log-uniform|uniform)(-int)?:(.*)$/;

/** The spec of a sweepable option; a UsageError naming the fix for any other name. */
function specOf(name: string, where: string): OptionSpec {
  const spec = OPTIONS[name];
  if (!spec) throw new UsageError(`${where}: "${name}" is not an fbl train option${didYouMean(name, SWEEPABLE)}; fbl train --help lists them`);
  if (FORBIDDEN.has(name)) throw new UsageError(`${where}: --${name} cannot be swept: ${ELSEWHERE[name] ?? 'the cell runner sets it'}`);
  return spec;
}

/** One value as `fbl train --NAME` reads it (kind, choices, lower bound). */
function parseValue(name: string, raw: unknown, where: string): ParamValue {
  const spec = specOf(name, where);
  if (spec.kind === 'boolean') {
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw new UsageError(`${where}: --${name} is a switch: give true, false or both; got ${JSON.stringify(raw)}`);
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new UsageError(`${where}: --${name} takes a ${spec.kind}; got ${JSON.stringify(raw)}`);
  const text = String(raw).trim();
  try {
    return parseOptions([`--${name}=${text}`], { [name]: { ...spec, default: undefined } })[name] as ParamValue;
  } catch (err) {
    throw err instanceof UsageError ? new UsageError(`${where}: ${err.message}`) : err;
  }
}

function list(name: string, raw: readonly unknown[], where: string): ParamSpace {
  if (!raw.length) throw new UsageError(`${where}: give at least one value`);
  return { name, kind: 'list', values: [...new Set(raw.map((v) => parseValue(name, v, where)))] };
}

function range(name: string, kind: 'uniform' | 'log-uniform', bounds: readonly unknown[], integer: boolean, where: string): ParamSpace {
  const spec = specOf(name, where);
  if (spec.kind !== 'number' && spec.kind !== 'int') {
    throw new UsageError(`${where}: --${name} is not a number, so it has no range: list its values instead (${name}=${spec.choices?.join(',') ?? 'true,false'})`);
  }
  if (bounds.length !== 2) throw new UsageError(`${where}: a range has two ends, MIN and MAX; got ${bounds.length}`);
  const [min, max] = bounds.map((b) => parseValue(name, b, where)) as [number, number];
  const int = integer || spec.kind === 'int';
  if (int && !(Number.isInteger(min) && Number.isInteger(max))) throw new UsageError(`${where}: an integer range needs integer ends; got ${min} and ${max}`);
  if (!(min < max)) throw new UsageError(`${where}: the range's lower end must be below its upper end; got ${min} and ${max} (for one value, give just the value)`);
  if (kind === 'log-uniform' && min <= 0) throw new UsageError(`${where}: a log-uniform range must be above 0; got ${min}`);
  return { name, kind, min, max, integer: int };
}

/**
 * A value list or range in the flag syntax: `0.01,0.1` (a list), `log:0.001:0.1` (log-uniform),
 * `uniform:0:0.5`, and `log-int:16:256` / `uniform-int:1:8` for integers.
 */
function parseSpec(name: string, text: string, where: string): ParamSpace {
  const r = RANGE.exec(text.trim());
  if (r) return range(name, r[1] === 'uniform' ? 'uniform' : 'log-uniform', r[3]!.split(':'), !!r[2], where);
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => !s)) throw new UsageError(`${where}: empty value in "${text}"; join values with "," (e.g. ${name}=0.01,0.1)`);
  return list(name, items, where);
}

/** `--param NAME=VALUES`: see parseSpec for VALUES. */
export function parseParamFlag(text: string): ParamSpace {
  const m = /^([^=]*)=(.*)$/s.exec(text);
  if (!m || !m[1]!.trim()) throw new UsageError(`--param takes NAME=VALUES, e.g. --param lr=0.01,0.1 or --param lr=log:0.001:0.1; got "${text}"`);
  const name = m[1]!.trim();
  return parseSpec(name, m[2]!, `--param ${name}`);
}

const RANGE_KEYS = ['log-uniform', 'uniform', 'integer'];

/**
 * One entry of a sweep file's `params`: a list (`[0.01, 0.1]`), one value (`0.05`), a string in
 * the flag syntax (`"log:0.001:0.1"`), or `{"log-uniform": [0.001, 0.1]}` / `{"uniform": [16,
 * 128], "integer": true}`.
 */
export function paramFromFile(name: string, raw: unknown, file: string): ParamSpace {
  const where = `${file}: params.${name}`;
  if (Array.isArray(raw)) return list(name, raw, where);
  if (typeof raw === 'string') return parseSpec(name, raw, where);
  if (typeof raw === 'number' || typeof raw === 'boolean') return list(name, [raw], where);
  if (typeof raw !== 'object' || raw === null) throw new UsageError(`${where}: give a list of values, a value or a range; got ${JSON.stringify(raw)}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!RANGE_KEYS.includes(k)) throw new UsageError(`${where}: unknown key "${k}"${didYouMean(k, RANGE_KEYS)} (a range is {"log-uniform": [MIN, MAX]} or {"uniform": [MIN, MAX]}, "integer": true for integers)`);
  const kinds = (['log-uniform', 'uniform'] as const).filter((k) => k in o);
  if (kinds.length !== 1) throw new UsageError(`${where}: a range needs exactly one of "log-uniform" and "uniform"`);
  const bounds = o[kinds[0]!];
  if (!Array.isArray(bounds)) throw new UsageError(`${where}: ${kinds[0]} takes [MIN, MAX]; got ${JSON.stringify(bounds)}`);
  if (o.integer !== undefined && typeof o.integer !== 'boolean') throw new UsageError(`${where}: integer must be true or false`);
  return range(name, kinds[0]!, bounds, o.integer === true, where);
}

/** "lr ∈ {0.01, 0.1}", "lr ~ log-uniform [0.001, 0.1]", "batch-size ~ uniform integers [16, 128]". */
export function describeParam(p: ParamSpace): string {
  if (p.kind === 'list') return `${p.name} ∈ {${p.values.join(', ')}}`;
  return `${p.name} ~ ${p.kind}${p.integer ? ' integers' : ''} [${p.min}, ${p.max}]`;
}

/** Whether a plot of this parameter wants a log axis: log-uniform, or positive numbers spanning 8× or more (0.003,0.01,0.03). */
export function logScale(p: ParamSpace): boolean {
  if (p.kind !== 'list') return p.kind === 'log-uniform';
  const xs = p.values.filter((v): v is number => typeof v === 'number');
  return xs.length === p.values.length && xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 8;
}

const RULE_FLAGS = ruleFlags();

/** The swept options that `rule` does not take (a rule ignores the rule flags of other rules), e.g. feedback-scale for bp. */
export function ignoredBy(rule: string, space: readonly ParamSpace[]): string[] {
  return space.map((p) => p.name).filter((name) => notTakenBy(rule, name));
}

/** True for a rule flag that `rule` does not declare: fbl train refuses it, so a trial leaves it out. */
export function notTakenBy(rule: string, name: string): boolean {
  return RULE_FLAGS.some((f) => f.field.flag === name && !f.rules.includes(rule));
}
