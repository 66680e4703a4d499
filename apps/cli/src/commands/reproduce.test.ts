import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presetDefaults } from '@feedback-lab/core';
import { trainDefaults } from '@feedback-lab/rules';
import { CIFAR10_FILES, CIFAR10_RECORD_BYTES } from '@feedback-lab/datasets';
import { lockDir } from '../dir-lock';
import { runCli } from '../run-cli';
import { spawnCli } from '../spawn-cli';

const root = mkdtempSync(join(tmpdir(), 'fbl-reproduce-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A CIFAR-10 directory in the official binary format (the CLI accepts only full batches of
 * 10 000 records): label i % 10, then 3 072 pixel bytes of a fixed pattern. One buffer serves
 * as every batch.
 */
function cifarFixture(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const records = 10_000;
  const buf = new Uint8Array(records * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < records; i++) {
    const r = i * CIFAR10_RECORD_BYTES;
    buf[r] = i % 10;
    for (let p = 1; p < CIFAR10_RECORD_BYTES; p++) buf[r + p] = (i * 31 + p * 7 + (i % 10) * p) & 255;
  }
  for (const f of [...CIFAR10_FILES.train, CIFAR10_FILES.test]) writeFileSync(join(dir, f), buf);
  return dir;
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('fbl reproduce', () => {
  const out = join(root, 'tiny');
  const cifar = cifarFixture(join(root, 'cifar'));
  const argsFor = (models: string, rules: string, epochs: number, dir = out) => ['reproduce', '--models', models, '--rules', rules, '--seeds', '1', '--limit', '256',
    '--epochs', String(epochs), '--depths', '1,2', '--data-dir', cifar, '--out', dir, '--workers', '2'];
  const args = argsFor('mnist-fc', 'bp,dfa', 1);

  it('trains every cell in worker processes and writes the table, the jsonl logs and the SVGs', async () => {
    const r = await runCli(...args);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/= 2 cells \(0 finished already\)/);
    expect(r.err).toMatch(/cell \d\/2 mnist-fc dfa s1 epoch 1\/1 {2}test \d+\.\d\d%.*ETA/);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    for (const rule of ['bp', 'dfa']) expect(md).toMatch(new RegExp(`\\| ${rule} \\| \\d+\\.\\d\\d ± 0\\.00 \\|`));
    expect(md).toContain('cells finished: 2/2');
    expect(md).toContain('![test accuracy per epoch, mnist-fc](accuracy-mnist-fc.svg)');
    expect(md).toMatch(/\| `fbl reproduce --models mnist-fc --rules bp,dfa .*` \| \d+\.\d min \| 2 \|/);
    for (const svg of ['accuracy-mnist-fc.svg', 'memory-depth/memory-depth.svg']) {
      const text = readFileSync(join(out, svg), 'utf8');
      expect(text.startsWith('<svg'), svg).toBe(true);
      expect(text).toContain('>dfa<');
    }
    // The hyperparameters are the preset's, read at run time.
    const cell = join(out, 'cells', 'mnist-fc-dfa-s1');
    const d = trainDefaults(presetDefaults('mnist-fc'), 'dfa');
    expect(JSON.parse(readFileSync(join(cell, 'cell.json'), 'utf8'))).toMatchObject({ lr: d.lr, optimizer: d.optimizer, batchSize: d.batchSize, limit: 256 });
    const epoch = lines(join(cell, 'epochs.jsonl')).find((l) => l.event === 'epoch')!;
    expect(epoch).toMatchObject({ epoch: 1, rule: 'dfa', dataset: 'mnist', backend: 'wasm' });
    for (const k of ['testAccuracy', 'trainAccuracy', 'loss', 'samplesPerSec', 'peakBytes', 'wasmHeapBytes']) expect(typeof epoch[k], k).toBe('number');
    expect(existsSync(join(cell, 'checkpoint.fblc'))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { groups: { model: string; rule: string; final: { mean: number } }[] };
    expect(json.groups.find((g) => g.model === 'mnist-fc' && g.rule === 'dfa')!.final.mean).toBe(epoch.testAccuracy);
  });

  it('trains cifar-conv from a directory in the official binary format', async () => {
    const dir = join(root, 'cifar-out');
    const r = await runCli(...argsFor('cifar-conv', 'dfa', 1, dir));
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, 'results.md'), 'utf8')).toMatch(/\| dfa \| \d+\.\d\d ± 0\.00 \|/);
    expect(readFileSync(join(dir, 'accuracy-cifar-conv.svg'), 'utf8')).toContain('>dfa<');
    // The hyperparameter table names what the preset changed besides lr: its decay, feedback, conv signal, inputs.
    const d = trainDefaults(presetDefaults('cifar-conv'), 'dfa');
    expect(d.lrDecaySteps).toBeDefined();
    expect(readFileSync(join(dir, 'results.md'), 'utf8')).toContain(
      `| cifar-conv | dfa | ${d.optimizer} | ${d.lr} ÷ (1 + step/${d.lrDecaySteps}) | ${d.batchSize} | 1 | ${d.feedback ?? 'rule default'} | ${d.feedbackScale} | positions | standardised |`);
    // and the cell's recorded settings carry the decay (a rerun with other settings is refused)
    expect(JSON.parse(readFileSync(join(dir, 'cells', 'cifar-conv-dfa-s1', 'cell.json'), 'utf8'))).toMatchObject({ lrDecaySteps: d.lrDecaySteps });
    const epoch = lines(join(dir, 'cells', 'cifar-conv-dfa-s1', 'epochs.jsonl')).find((l) => l.event === 'epoch')!;
    expect(epoch).toMatchObject({ epoch: 1, rule: 'dfa', dataset: 'cifar10', model: 'preset cifar-conv' });
  });

  it('a rerun skips finished cells and rebuilds results.md from the logs', async () => {
    const before = readFileSync(join(out, 'results.md'), 'utf8');
    const log = join(out, 'cells', 'mnist-fc-bp-s1', 'epochs.jsonl');
    const logBefore = readFileSync(log, 'utf8');
    rmSync(join(out, 'results.md'));
    const r = await runCli(...args, '--json');
    expect(r.code, r.err).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(events[0]).toMatchObject({ event: 'plan', cells: 2, finished: 2 });
    expect(events.filter((e) => e.event === 'epoch' || e.event === 'cell-start')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ event: 'done', finished: 2, cells: 2, failed: [] });
    expect(readFileSync(log, 'utf8')).toBe(logBefore);
    const strip = (md: string) => md.replace(/^mode: .*$/m, '');
    expect(strip(readFileSync(join(out, 'results.md'), 'utf8'))).toBe(strip(before));
  });

  it('more epochs continue a finished cell from its checkpoint instead of starting over', async () => {
    const r = await runCli(...argsFor('mnist-fc', 'bp', 2));
    expect(r.code, r.err).toBe(0);
    const log = lines(join(out, 'cells', 'mnist-fc-bp-s1', 'epochs.jsonl'));
    expect(log.filter((l) => l.event === 'start').map((l) => l.resume)).toEqual([false, true]);
    expect(log.filter((l) => l.event === 'epoch').map((l) => l.epoch)).toEqual([1, 2]);
  });

  it('leaves a cell that diverged before as it is unless --retry-failed, and --report-only trains nothing', async () => {
    const log = join(out, 'cells', 'mnist-fc-dfa-s1', 'epochs.jsonl');
    const diverged = 'loss exploded to 1e5 (simulated) at step 7 (epoch 2) with rule dfa; no checkpoint was written; lower the learning rate (--lr)';
    appendFileSync(log, `{"event":"start","time":1}\n${JSON.stringify({ event: 'failed', code: 1, error: diverged, failure: 'diverged' })}\n`);
    const left = await runCli(...argsFor('mnist-fc', 'bp,dfa', 2));
    expect(left.code).toBe(1);
    expect(left.err).toContain('(1 finished already, 1 diverged before and left as they are (--retry-failed reruns them))');
    expect(left.err).toMatch(/fbl: 1 of 2 cells did not finish; see "Unfinished cells" in .*results\.md\n$/);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/\| dfa \| — \(1\/1 failed\) \|/);
    expect(md).toContain(`| mnist-fc-dfa-s1 | 1/2 | ${diverged} |`);
    const retried = await runCli(...argsFor('mnist-fc', 'bp,dfa', 2), '--retry-failed');
    expect(retried.code, retried.err).toBe(0);
    expect(lines(log).filter((l) => l.event === 'epoch').map((l) => l.epoch)).toEqual([1, 2]);
    const size = readFileSync(log, 'utf8').length;
    rmSync(join(out, 'results.md'));
    const report = await runCli(...argsFor('mnist-fc', 'bp,dfa', 2), '--report-only');
    expect(report.code, report.err).toBe(0);
    expect(readFileSync(log, 'utf8').length).toBe(size);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toContain('cells finished: 2/2');
  });

  it('refuses to resume a cell from another cell\'s checkpoint (two swapped) with one line naming the difference', async () => {
    const ck = (rule: string) => join(out, 'cells', `mnist-fc-${rule}-s1`, 'checkpoint.fblc');
    const own = { bp: readFileSync(ck('bp')), dfa: readFileSync(ck('dfa')) };
    writeFileSync(ck('bp'), own.dfa);
    writeFileSync(ck('dfa'), own.bp);
    const logsBefore = ['bp', 'dfa'].map((r) => lines(join(out, 'cells', `mnist-fc-${r}-s1`, 'epochs.jsonl')).filter((l) => l.event === 'epoch').length);
    const swapped = await runCli(...argsFor('mnist-fc', 'bp,dfa', 3));
    expect(swapped.code).toBe(1);
    const refused = swapped.err.split('\n').filter((l) => l.startsWith('fbl: failed: ')).sort();
    expect(refused).toHaveLength(2);
    const line = (cell: string, saved: string, planned: string) => new RegExp(`^fbl: failed: ${cell}: the cell's checkpoint belongs to another run ` +
      `\\([^()]*rule: "${saved}" in the checkpoint, "${planned}" in this cell[^()]*\\); put its own checkpoint back, or remove \\S+/cells/${cell} to retrain the cell$`);
    expect(refused[0]).toMatch(line('mnist-fc-bp-s1', 'dfa', 'bp'));
    expect(refused[1]).toMatch(line('mnist-fc-dfa-s1', 'bp', 'dfa'));
    // Nothing trained over them, and the report names the reason.
    expect(readFileSync(ck('bp')).equals(own.dfa)).toBe(true);
    expect(['bp', 'dfa'].map((r) => lines(join(out, 'cells', `mnist-fc-${r}-s1`, 'epochs.jsonl')).filter((l) => l.event === 'epoch').length)).toEqual(logsBefore);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toMatch(/\| mnist-fc-dfa-s1 \| 2\/3 \| the cell's checkpoint belongs to another run \(.*rule: "bp" in the checkpoint, "dfa" in this cell/);
    // A refusal is no divergence: once the checkpoints are back, the next run resumes the cells by itself.
    writeFileSync(ck('bp'), own.bp);
    writeFileSync(ck('dfa'), own.dfa);
    const back = await runCli(...argsFor('mnist-fc', 'bp,dfa', 3));
    expect(back.code, back.err).toBe(0);
    expect(back.err).toContain('(0 finished already, 2 failed on an error before and retried)');
    expect(lines(join(out, 'cells', 'mnist-fc-dfa-s1', 'epochs.jsonl')).filter((l) => l.event === 'failed').at(-1)).toMatchObject({ failure: 'error' });
  });

  it('retries a cell that failed on a data error by itself, unlike a divergence', async () => {
    const dir = join(root, 'no-data');
    // The CIFAR-10 fixture without data_batch_1.bin.
    const partial = join(root, 'cifar-partial');
    mkdirSync(partial);
    for (const f of [...CIFAR10_FILES.train.slice(1), CIFAR10_FILES.test]) symlinkSync(join(cifar, f), join(partial, f));
    const run = () => runCli('reproduce', '--models', 'cifar-conv', '--rules', 'dfa', '--seeds', '1', '--limit', '64', '--epochs', '1', '--depths', '1', '--data-dir', partial, '--out', dir);
    const first = await run();
    expect(first.code).toBe(1);
    expect(first.err).toMatch(/^fbl: failed: cifar-conv-dfa-s1: CIFAR-10 binary files not found in .*cifar-partial/m);
    const log = join(dir, 'cells', 'cifar-conv-dfa-s1', 'epochs.jsonl');
    expect(lines(log).filter((l) => l.event === 'failed').map((l) => l.failure)).toEqual(['error']);
    const second = await run();
    expect(second.code).toBe(1);
    expect(second.err).toContain('(0 finished already, 1 failed on an error before and retried)');
    expect(lines(log).filter((l) => l.event === 'start')).toHaveLength(2);
    expect(readFileSync(join(dir, 'results.md'), 'utf8')).toMatch(/\| cifar-conv-dfa-s1 \| 0\/1 \| CIFAR-10 binary files not found .* \(the next run retries it\) \|/);
  });

  it('a killed run resumes its interrupted cell from the checkpoint, and its workers do not outlive it', async () => {
    const dir = join(root, 'killed');
    const kargs = ['reproduce', '--models', 'mnist-fc', '--rules', 'bp', '--seeds', '3', '--limit', '5000', '--epochs', '3', '--depths', '1', '--out', dir, '--checkpoint-every', '10'];
    const victim = spawnCli(kargs);
    const log = join(dir, 'cells', 'mnist-fc-bp-s3', 'epochs.jsonl');
    while (!(existsSync(log) && readFileSync(log, 'utf8').includes('"event":"epoch"'))) await sleep(20);
    victim.child.kill('SIGKILL');
    await victim.done;
    const pid = lines(log).find((l) => l.event === 'start')!.pid as number;
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      await sleep(50);
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    expect(alive, 'the orphaned worker exits').toBe(false);
    const r = await runCli(...kargs);
    expect(r.code, r.err).toBe(0);
    const after = lines(log);
    expect(after.filter((l) => l.event === 'start').map((l) => l.resume)).toEqual([false, true]);
    expect(after.filter((l) => l.event === 'epoch').map((l) => l.epoch)).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, 'results.md'), 'utf8')).toContain('cells finished: 1/1');
  });

  it('refuses to continue cells trained with other settings, and a directory in use', async () => {
    const cell = join(out, 'cells', 'mnist-fc-dfa-s1', 'cell.json');
    const saved = readFileSync(cell, 'utf8');
    writeFileSync(cell, saved.replace(/"lr": [\d.e-]+/, '"lr": 123'));
    const r = await runCli(...args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fbl: cell mnist-fc-dfa-s1 was run with other settings \(lr 123 → [\d.e-]+\); use another --out, or delete .* to redo it\n$/);
    // A cell.json that is no object, or no file, is one line too; it is never overwritten.
    for (const [text, what] of [['[1, 2]', 'an array'], ['null', 'null'], ['"lr"', 'a string']] as const) {
      writeFileSync(cell, text);
      const odd = await runCli(...args);
      expect(odd.code).toBe(1);
      expect(odd.err).toBe(`fbl: ${cell} holds ${what}, not a cell's settings (a JSON object); delete ${dirname(cell)} to rerun that cell\n`);
      expect(readFileSync(cell, 'utf8')).toBe(text);
    }
    rmSync(cell);
    mkdirSync(cell);
    const dir = await runCli(...args);
    expect(dir.err).toBe(`fbl: ${cell} is a directory, not a cell's settings; delete ${dirname(cell)} to rerun that cell\n`);
    rmSync(cell, { recursive: true });
    writeFileSync(cell, saved);
    const release = lockDir(out, 'fbl reproduce', 'choose another --out');
    const busy = await runCli(...args);
    release();
    expect(busy.code).toBe(1);
    expect(busy.err).toMatch(/^fbl: .* is in use by fbl reproduce \(pid \d+ on .*\); wait for it to finish or choose another --out\n$/);
  });

  it.each([
    ['an unknown rule', ['--rules', 'bp,magic'], /unknown rule "magic"/],
    ['an unknown model', ['--models', 'mnist-fc,resnet'], /unknown model "resnet"/],
    ['cifar-conv without its data', ['--models', 'cifar-conv'], /cifar-conv needs --data-dir/],
    ['a bad seed', ['--seeds', '1,x'], /--seeds must be integers/],
    ['a zero depth', ['--depths', '0,2'], /--depths must be integers of at least 1/],
    ['an empty list', ['--rules', ','], /--rules must list at least one value/],
    ['a positional argument', ['now'], /unexpected argument "now"/],
    ['a bad worker count', ['--workers', '0'], /--workers must be at least 1/],
  ])('%s is a one-line usage error (exit 2)', async (_label, extra, message) => {
    const r = await runCli('reproduce', '--out', join(root, 'never'), ...extra);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });

  it('a data directory without the CIFAR-10 batches is one line, exit 1', async () => {
    const r = await runCli('reproduce', '--data-dir', root, '--out', join(root, 'never'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fbl: --data-dir .* has no test_batch\.bin: give the directory of the CIFAR-10 binary batches/);
  });
});
