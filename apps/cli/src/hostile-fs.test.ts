import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

// Hostile file systems, for every command that reads or writes a path: a file where a
// directory should be, a directory where a file should be, a path through a file, a missing
// path, no permission. Each case asserts the exit code and the whole stderr: one line, no stack.

const root = mkdtempSync(join(tmpdir(), 'fbl-hostile-fs-'));
const at = (...p: string[]) => join(root, ...p);
const FILE = at('a-file');
const CK = at('ck'); // a real checkpoint, trained in beforeAll
const TINY = ['--dataset', 'blobs', '--arch', '8-4', '--epochs', '1', '--backend', 'cpu'];

beforeAll(async () => {
  chmodSync(root, 0o755);
  writeFileSync(FILE, 'not a directory');
  const r = await runCli('train', ...TINY, '--checkpoint-dir', CK);
  expect(r.code, r.err).toBe(0);
  // A data directory whose first IDX file is a directory.
  mkdirSync(at('idx-dir', 'train-images-idx3-ubyte'), { recursive: true });
  // A checkpoint directory whose checkpoint file is a directory.
  mkdirSync(at('ck-dir', 'checkpoint.fblc'), { recursive: true });
  mkdirSync(at('a-dir'));
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Case = [name: string, argv: () => string[], code: number, line: RegExp];

const CASES: Case[] = [
  // train
  ['train --checkpoint-dir FILE', () => ['train', ...TINY, '--checkpoint-dir', FILE], 1, /^fbl: --checkpoint-dir \S+a-file is a file, not a directory; choose a directory \(it is created if missing\)$/],
  ['train --checkpoint-dir FILE/sub', () => ['train', ...TINY, '--checkpoint-dir', join(FILE, 'sub')], 1, /^fbl: --checkpoint-dir: cannot access \S+a-file\/sub: a part of the path is a file, not a directory; choose a path whose parents are directories$/],
  ['train --checkpoint-dir holding another run', () => ['train', ...TINY, '--checkpoint-dir', CK], 1, /^fbl: --checkpoint-dir \S+ck already holds a run's checkpoint; continue that run with --resume \S+ck, choose another directory, or pass --overwrite to replace it$/],
  ['train --data-dir FILE', () => ['train', '--data-dir', FILE, '--limit', '64'], 1, /^fbl: \S+a-file is a file, not a directory; --data-dir takes the directory holding the four IDX files$/],
  ['train --data-dir with a directory for an IDX file', () => ['train', '--data-dir', at('idx-dir'), '--limit', '64'], 1, /^fbl: \S+train-images-idx3-ubyte is a directory where a data file was expected; remove it or point --data-dir at the directory holding the files$/],
  ['train --data-dir missing', () => ['train', '--data-dir', at('nowhere'), '--limit', '64'], 1, /^fbl: data directory not found: \S+nowhere$/],
  ['train --model DIR', () => ['train', '--model', at('a-dir')], 1, /^fbl: --model: cannot read \S+a-dir/],
  ['train --resume FILE', () => ['train', '--resume', FILE], 1, /^fbl: no checkpoint at \S+a-file\/checkpoint\.fblc: \S+a-file is a file, not a checkpoint directory$/],
  ['train --resume with a directory for the checkpoint file', () => ['train', '--resume', at('ck-dir')], 1, /^fbl: \S+checkpoint\.fblc is a directory, not a checkpoint file; remove it, or point at a directory written by fbl train --checkpoint-dir$/],
  ['train --resume FILE/sub', () => ['train', '--resume', join(FILE, 'sub')], 1, /^fbl: cannot access \S+a-file\/sub: a part of the path is a file, not a directory; choose a path whose parents are directories$/],
  ['train --resume missing', () => ['train', '--resume', at('nowhere')], 1, /^fbl: no checkpoint at \S+nowhere\/checkpoint\.fblc$/],
  // eval, export
  ['eval --checkpoint FILE', () => ['eval', '--checkpoint', FILE], 1, /^fbl: no checkpoint at \S+a-file\/checkpoint\.fblc: \S+ is a file, not a checkpoint directory$/],
  ['eval --checkpoint with a directory for the checkpoint file', () => ['eval', '--checkpoint', at('ck-dir')], 1, /^fbl: \S+checkpoint\.fblc is a directory, not a checkpoint file/],
  ['export --checkpoint missing', () => ['export', '--checkpoint', at('nowhere'), '--out', at('x')], 1, /^fbl: no checkpoint at \S+nowhere\/checkpoint\.fblc$/],
  ['export --out FILE', () => ['export', '--checkpoint', CK, '--out', FILE], 1, /^fbl: --out \S+a-file is a file, not a directory; choose a directory \(it is created if missing\)$/],
  ['export --out FILE/sub', () => ['export', '--checkpoint', CK, '--out', join(FILE, 'sub')], 1, /^fbl: --out: cannot access \S+a-file\/sub: a part of the path is a file, not a directory; choose a path whose parents are directories$/],
  // reproduce, sweep, worker
  ['reproduce --out FILE', () => ['reproduce', '--quick', '--out', FILE], 1, /^fbl: --out \S+a-file is a file, not a directory; choose a directory \(it is created if missing\)$/],
  ['reproduce --out FILE/sub', () => ['reproduce', '--quick', '--out', join(FILE, 'sub')], 1, /^fbl: --out: cannot access \S+a-file\/sub: a part of the path is a file, not a directory; choose a path whose parents are directories$/],
  ['sweep --out FILE', () => ['sweep', '--param', 'lr=0.1,0.2', '--out', FILE], 1, /^fbl: --out \S+a-file is a file, not a directory; choose a directory \(it is created if missing\)$/],
  ['sweep --config DIR', () => ['sweep', '--config', at('a-dir'), '--out', at('sw')], 1, /^fbl: --config: cannot read \S+a-dir/],
  ['sweep --config missing', () => ['sweep', '--config', at('nowhere.yaml'), '--out', at('sw')], 1, /^fbl: --config: cannot read \S+nowhere\.yaml/],
  ['worker --store FILE', () => ['worker', '--queue', 'redis://127.0.0.1:1', '--store', FILE], 1, /^fbl: --store \S+a-file is a file, not a directory: give the shared directory the producers write into$/],
  ['worker --store missing', () => ['worker', '--queue', 'redis://127.0.0.1:1', '--store', at('nowhere')], 1, /^fbl: --store \S+nowhere does not exist: give the shared directory the producers write into$/],
  // bench outputs are checked before the benchmark runs
  ['bench speed --out FILE', () => ['bench', 'speed', '--out', FILE], 1, /^fbl: --out \S+a-file is a file, not a directory/],
  ['bench accuracy --out FILE', () => ['bench', 'accuracy', '--out', FILE], 1, /^fbl: --out \S+a-file is a file, not a directory/],
  ['bench memory-depth --out FILE', () => ['bench', 'memory-depth', '--out', FILE], 1, /^fbl: --out \S+a-file is a file, not a directory/],
  ['bench dispatch --out FILE', () => ['bench', 'dispatch', '--out', FILE], 1, /^fbl: --out \S+a-file is a file, not a directory/],
];

describe('hostile file systems: one line and the right exit code', () => {
  it.each(CASES)('%s', async (_name, argv, code, line) => {
    const r = await runCli(...argv());
    expect(r.err.trimEnd(), r.err).toMatch(line);
    expect(r.err.trimEnd().split('\n'), 'exactly one line on stderr').toHaveLength(1);
    expect(r.code).toBe(code);
  }, 120_000);
});

// Permission denied needs a user the files refuse: as root, the CLI runs as nobody.
const CLI_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
// Root ignores permissions, so as root the CLI runs as nobody; that needs a checkout nobody can
// read (a clone inside a mode-700 directory is not): otherwise these cases cannot be made here.
const canRunAsNobody = !('uid' in asNobody) || spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(join(CLI_ROOT, 'node_modules', 'tsx', 'package.json'))})`], asNobody).status === 0;
if (!canRunAsNobody) console.warn(`hostile-fs: permission cases skipped: running as root and user nobody cannot read ${CLI_ROOT}`);

function spawnCli(argv: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@feedback-lab/source', '--import', 'tsx', join(CLI_ROOT, 'src/bin.ts'), ...argv], {
      cwd: CLI_ROOT, stdio: ['ignore', 'ignore', 'pipe'], ...asNobody, env: { ...process.env, HOME: root },
    });
    let err = '';
    child.stderr.on('data', (d) => void (err += d));
    child.on('close', (code) => resolve({ code, err }));
  });
}

describe.runIf(canRunAsNobody)('permission denied: one line and exit code 1', () => {
  const LOCKED = at('locked'); // a directory nobody may write into
  const SECRET = at('secret'); // files nobody may read
  beforeAll(() => {
    mkdirSync(LOCKED, { mode: 0o755 });
    mkdirSync(join(SECRET, 'ck'), { recursive: true });
    copyFileSync(join(CK, 'checkpoint.fblc'), join(SECRET, 'ck', 'checkpoint.fblc'));
    writeFileSync(join(SECRET, 'model.json'), '{"input": [8], "layers": [{"type": "dense", "units": 4}]}');
    writeFileSync(join(SECRET, 'sweep.yaml'), 'params:\n  lr: [0.1]\n');
    mkdirSync(join(SECRET, 'idx'));
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(join(SECRET, 'idx', f), 'x');
    for (const f of ['ck/checkpoint.fblc', 'model.json', 'sweep.yaml', 'idx/train-images-idx3-ubyte']) chmodSync(join(SECRET, f), 0o600);
    chmodSync(join(SECRET, 'ck'), 0o777); // writable (for its lock), its checkpoint unreadable
    mkdirSync(join(LOCKED, 'ck'));
    copyFileSync(join(CK, 'checkpoint.fblc'), join(LOCKED, 'ck', 'checkpoint.fblc'));
    if (process.getuid?.() !== 0) for (const d of [join(LOCKED, 'ck'), LOCKED]) chmodSync(d, 0o555);
  });

  const PERMISSION: Case[] = [
    ['train --checkpoint-dir in a read-only directory', () => ['train', ...TINY, '--checkpoint-dir', join(LOCKED, 'new')], 1, /^fbl: --checkpoint-dir: cannot create the directory \S+locked\/new: permission denied; check its permissions, or choose a path you can write$/],
    ['train --data-dir with an unreadable file', () => ['train', '--data-dir', join(SECRET, 'idx'), '--limit', '64'], 1, /^fbl: cannot read \S+train-images-idx3-ubyte: permission denied; check its permissions \(chmod a\+r\)$/],
    ['train --model unreadable', () => ['train', '--model', join(SECRET, 'model.json')], 1, /^fbl: --model: cannot read \S+model\.json/],
    ['train --resume unreadable', () => ['train', '--resume', join(SECRET, 'ck')], 1, /^fbl: cannot read \S+checkpoint\.fblc: permission denied; check its permissions$/],
    ['train --resume in a read-only directory', () => ['train', '--resume', join(LOCKED, 'ck')], 1, /^fbl: --resume: cannot write into \S+locked\/ck: permission denied; check its permissions, or choose a path you can write$/],
    ['eval --checkpoint unreadable', () => ['eval', '--checkpoint', join(SECRET, 'ck')], 1, /^fbl: cannot read \S+checkpoint\.fblc: permission denied; check its permissions$/],
    ['export --out in a read-only directory', () => ['export', '--checkpoint', CK, '--out', join(LOCKED, 'model')], 1, /^fbl: --out: cannot create the directory \S+locked\/model: permission denied; check its permissions, or choose a path you can write$/],
    ['reproduce --out in a read-only directory', () => ['reproduce', '--quick', '--out', join(LOCKED, 'r')], 1, /^fbl: --out: cannot create the directory \S+locked\/r: permission denied; check its permissions, or choose a path you can write$/],
    ['sweep --config unreadable', () => ['sweep', '--config', join(SECRET, 'sweep.yaml'), '--out', join(LOCKED, 's')], 1, /^fbl: --config: cannot read \S+sweep\.yaml/],
    ['bench speed --out in a read-only directory', () => ['bench', 'speed', '--out', join(LOCKED, 'b')], 1, /^fbl: --out: cannot create the directory \S+locked\/b: permission denied/],
    ['worker --store read-only', () => ['worker', '--queue', 'redis://127.0.0.1:1', '--store', LOCKED], 1, /^fbl: --store: cannot write into \S+locked: permission denied; check its permissions, or choose a path you can write$/],
  ];

  it.each(PERMISSION)('%s', async (_name, argv, code, line) => {
    const r = await spawnCli(argv());
    expect(r.err.trimEnd(), r.err).toMatch(line);
    expect(r.err.trimEnd().split('\n'), 'exactly one line on stderr').toHaveLength(1);
    expect(r.code).toBe(code);
  }, 120_000);
});
