import { describe, expect, it } from 'vitest';
import type { OptionSpec } from './args';
import { COMMANDS, main } from './main';
import { MEMORY_DEPTH_OPTIONS } from './commands/bench-memory-depth';
import { spawnCli } from './spawn-cli';
import type { Io } from './io';

/** Bad values for an option of this kind, each with the reason it is bad. */
function badValues(spec: OptionSpec): string[] {
  const out: string[] = [];
  if (spec.kind === 'int') out.push('x', '1.5', '', '1e999', '0x', ' ');
  if (spec.kind === 'number') out.push('fast', '', 'NaN', 'Infinity', '-Infinity', '1,5');
  if ((spec.kind === 'int' || spec.kind === 'number') && spec.min !== undefined) out.push(String(spec.min - 1), '-1e9');
  if (spec.choices) out.push('bogus', spec.choices[0]!.toUpperCase(), '');
  return out;
}

/** Required options per command, so each bad value is the only thing wrong. */
const REQUIRED: Record<string, string[]> = {
  train: ['--dataset', 'spirals', '--arch', '2-4-3'], eval: [], export: [], presets: [], bench: ['--dataset', 'spirals', '--arch', '2-4-3'],
};

/** Invalid combinations and free-text values the specs cannot describe. */
const COMBINATIONS: [string, string[]][] = [
  ['unknown command', ['fly']],
  ['extra positional', ['train', 'extra']],
  ['checkpoint-every without a directory', ['train', '--checkpoint-every', '5']],
  ['arch with a letter', ['train', '--dataset', 'spirals', '--arch', '2-x-3']],
  ['arch with one width', ['train', '--dataset', 'spirals', '--arch', '2']],
  ['arch with a zero width', ['train', '--dataset', 'spirals', '--arch', '2-0-3']],
  ['arch not fitting the dataset', ['train', '--dataset', 'spirals', '--arch', '784-10']],
  ['arch with an empty part', ['train', '--dataset', 'spirals', '--arch', '2--3']],
  ['eval without --checkpoint', ['eval']],
  ['export without --checkpoint', ['export', '--out', '/tmp/x']],
  ['export without --out', ['export', '--checkpoint', '/tmp/x']],
  ['eval extra positional', ['eval', '--checkpoint', 'a', 'b']],
  ['boolean given a value', ['train', '--json=yes']],
  ['short option', ['train', '-x']],
  ['arch and preset together', ['train', '--dataset', 'spirals', '--arch', '2-4-3', '--preset', 'mnist-fc']],
  ['unknown preset', ['train', '--dataset', 'spirals', '--preset', 'nope']],
  ['conv preset on flat 2-d data', ['train', '--dataset', 'spirals', '--preset', 'mnist-conv']],
  ['cifar10 without a directory', ['train', '--dataset', 'cifar10']],
  ['resume with download', ['train', '--resume', '/tmp/x', '--download']],
  ['unknown benchmark', ['bench', 'fly']],
  ['bench with an unknown rule', ['bench', 'accuracy', '--rules', 'bp,magic']],
  ['bench with bad seeds', ['bench', 'accuracy', '--seeds', '1,x']],
  ['presets extra positional', ['presets', 'x']],
];

function cases(): [string, string[]][] {
  const list: [string, string[]][] = [...COMBINATIONS];
  const entries = [...Object.entries(COMMANDS), ['bench', { options: MEMORY_DEPTH_OPTIONS, args: ['memory-depth'] }] as const];
  for (const [name, { options, args = [] }] of entries) {
    const cmd = [name, ...args].join(' ');
    const req = [...args, ...(args[0] === 'memory-depth' ? [] : REQUIRED[name] ?? [])];
    list.push([`${cmd}: unknown option`, [name, ...args, '--no-such-option', '1']]);
    for (const [opt, spec] of Object.entries(options)) {
      if (spec.kind !== 'boolean') list.push([`${cmd} --${opt}: missing value`, [name, ...req, `--${opt}`]]);
      for (const v of badValues(spec)) list.push([`${cmd} --${opt} ${JSON.stringify(v)}`, [name, ...req, `--${opt}`, v]]);
      if (spec.min !== undefined) list.push([`${cmd} --${opt}=${spec.min - 1}`, [name, ...req, `--${opt}=${spec.min - 1}`]]);
    }
  }
  return list;
}

async function run(argv: readonly string[]) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: { isTTY: false, write: (t: string) => void (err += t) } };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('CLI sweep: every invalid option, value or combination', () => {
  const all = cases();
  it('covers every option of every command', () => {
    expect(all.length).toBeGreaterThan(80);
  });
  it.each(all)('%s → one line, exit 2', async (_label, argv) => {
    const r = await run(argv);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/^fbl: [^\n]+\n$/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });

  it('prints no stack trace from the real binary either', async () => {
    for (const argv of [['train', '--lr', 'fast'], ['export', '--checkpoint', '/tmp/x'], ['fly']]) {
      const r = await spawnCli(argv).done;
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^fbl: [^\n]+\n$/);
    }
  });
});
