import { parseArgs } from 'node:util';

/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Kind = 'string' | 'number' | 'int' | 'boolean';

export interface OptionSpec {
  kind: Kind;
  help: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  /** For numbers: inclusive lower bound. */
  min?: number;
  /** For numbers: inclusive upper bound. */
  max?: number;
  /** A string option that may be given more than once (`--param a --param b`): its values in order. */
  multiple?: boolean;
}

/** Seeds are 32-bit (the generator's whole state is one uint32): a larger one would alias a small one. */
export const SEED_MAX = 2 ** 32 - 1;

/** One seed of a comma-separated `--seeds` list: an integer from 0 to SEED_MAX. */
export function parseSeed(text: string, flag = '--seeds'): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > SEED_MAX) throw new UsageError(`${flag} must be integers from 0 to ${SEED_MAX} joined by ","; got "${text}"`);
  return n;
}

export type Specs = Record<string, OptionSpec>;
export type Parsed<S extends Specs> = {
  [K in keyof S]: S[K] extends { multiple: true } ? string[] : S[K]['kind'] extends 'boolean' ? boolean : S[K]['kind'] extends 'string' ? string : number;
};

/**
 * Parses `--name value` options against a spec; every unknown option, missing value or bad
 * value becomes a UsageError naming it. Options without a default are optional (undefined).
 */
export function parseOptions<S extends Specs>(argv: readonly string[], specs: S): Partial<Parsed<S>> & { _: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(specs).map(([k, s]) => [k, { type: s.kind === 'boolean' ? 'boolean' : 'string', multiple: !!s.multiple }]),
      ) as Record<string, { type: 'string' | 'boolean'; multiple: boolean }>,
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(cleanParseError((err as Error).message));
  }
  const out: Record<string, unknown> = { _: parsed.positionals };
  for (const [name, spec] of Object.entries(specs)) {
    const raw = (parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>)[name];
    if (raw === undefined) {
      if (spec.default !== undefined) out[name] = spec.default;
      continue;
    }
    out[name] = Array.isArray(raw) ? raw.map((r) => convert(name, spec, r)) : convert(name, spec, raw);
  }
  return out as Partial<Parsed<S>> & { _: string[] };
}

function convert(name: string, spec: OptionSpec, raw: string | boolean): unknown {
  if (spec.kind === 'boolean') return raw;
  const text = String(raw);
  if (spec.kind === 'string') {
    if (spec.choices && !spec.choices.includes(text)) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}; got "${text}"`);
    }
    return text;
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number; got "${text}"`);
  if (spec.kind === 'int' && !Number.isInteger(value)) throw new UsageError(`--${name} must be an integer; got "${text}"`);
  if (spec.min !== undefined && value < spec.min) throw new UsageError(`--${name} must be at least ${spec.min}; got ${text}`);
  if (spec.max !== undefined && value > spec.max) throw new UsageError(`--${name} must be at most ${spec.max}; got ${text}`);
  return value;
}

function cleanParseError(message: string): string {
  // node's messages can span lines and carry hints about '--' that do not apply here; keep
  // the first sentence, and say plainly how to pass a negative number.
  const ambiguous = /^Option '(--[^']+)' argument is ambiguous/.exec(message);
  if (ambiguous) return `${ambiguous[1]} needs a value; to pass one starting with '-', write ${ambiguous[1]}=-VALUE`;
  return message.split('\n')[0]!.split('. ')[0]!.replace(/^Unknown option '(.*)'$/, "unknown option '$1'");
}

/** Help text for a command's options. */
export function formatHelp(usage: string, specs: Specs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const arg = s.kind === 'boolean' ? '' : s.choices ? ` <${s.choices.join('|')}>` : ` <${s.kind}>`;
    const def = s.default !== undefined && s.kind !== 'boolean' ? ` (default ${s.default})` : '';
    return `  --${name}${arg}${s.multiple ? ' (repeatable)' : ''}\n      ${s.help}${def}`;
  });
  return `${usage}\n\nOptions:\n${rows.join('\n')}\n`;
}

/** Only the options present on the command line (no defaults), to tell a choice from a default. */
export function explicitOptions<S extends Specs>(argv: readonly string[], specs: S): Record<string, unknown> {
  const bare = Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, { ...s, default: undefined }])) as Specs;
  const { _: _positionals, ...rest } = parseOptions(argv, bare);
  return rest;
}
