import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FblError } from '@feedback-lab/core';
import { UsageError } from '../args';
import { didYouMean } from './suggest';
import { SWEEPABLE, paramFromFile, type ParamSpace } from './space';

/** The keys a sweep file may hold besides `params`: the search, not where or how it runs. */
export const FILE_KEYS = ['rules', 'models', 'seeds', 'trials', 'search-seed', 'objective', 'halving', 'epochs', 'limit'] as const;

/** A sweep file as the command's own options (`--rules bp,dfa`) plus its parameters. */
export interface SweepFile {
  /** The file's settings as command-line options; options given on the command line come after and win. */
  argv: string[];
  params: ParamSpace[];
}

function parseText(path: string, text: string): unknown {
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') throw new UsageError(`--config ${path}: name it .json, .yaml or .yml`);
  try {
    return ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`--config ${path}: not valid ${ext === '.json' ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`);
  }
}

/** A key's value as the text of its command-line option: lists joined by ",". */
function asFlag(key: string, v: unknown, path: string): string {
  const scalar = (x: unknown) => typeof x === 'string' || typeof x === 'number';
  if (scalar(v)) return String(v);
  if (Array.isArray(v) && v.length && v.every(scalar) && ['rules', 'models', 'seeds'].includes(key)) return v.join(',');
  throw new UsageError(`${path}: ${key} must be ${['rules', 'models', 'seeds'].includes(key) ? 'a list' : 'a value'}; got ${JSON.stringify(v)?.slice(0, 60)}`);
}

/**
 * Reads a sweep file (JSON, or YAML by its extension):
 * `{"params": {"lr": {"log-uniform": [0.001, 0.1]}, "feedback-scale": [0.1, 1]}, "rules": ["bp", "dfa"], "trials": 20}`.
 * An unknown key, or a value of the wrong type, is a UsageError naming it (with the nearest
 * known key); the parameters are checked as `--param` is.
 */
export function readSweepFile(path: string): SweepFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new FblError('DATA_MISSING', `--config: cannot read ${path}`);
  }
  const raw = parseText(path, text);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`${path}: a sweep file is an object with "params" and optionally ${FILE_KEYS.join(', ')}`);
  const argv: string[] = [];
  let params: ParamSpace[] = [];
  const known = ['params', ...FILE_KEYS];
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'params') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${path}: params must map option names to values, e.g. {"lr": [0.01, 0.1]}`);
      params = Object.entries(v as Record<string, unknown>).map(([name, p]) => paramFromFile(name, p, path));
    } else if ((FILE_KEYS as readonly string[]).includes(key)) {
      argv.push(`--${key}=${asFlag(key, v, path)}`);
    } else {
      const hint = SWEEPABLE.includes(key) ? ` (an fbl train option: put it under "params")` : didYouMean(key, known);
      throw new UsageError(`${path}: unknown key "${key}"${hint}; a sweep file holds ${known.join(', ')}`);
    }
  }
  return { argv, params };
}
