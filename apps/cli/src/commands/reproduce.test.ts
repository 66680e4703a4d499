import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presetDefaults } from '@feedback-lab/core';
import { CIFAR10_FILES, CIFAR10_RECORD_BYTES } from '@feedback-lab/datasets';
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
    const d = presetDefaults('mnist-fc', 'dfa');
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
    const d = presetDefaults('cifar-conv', 'dfa');
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

  it('leaves a cell that failed before as it is unless --retry-failed, and --report-only trains nothing', async () => {
    const log = join(out, 'cells', 'mnist-fc-dfa-s1', 'epochs.jsonl');
    appendFileSync(log, '{"event":"start","time":1}\n{"event":"failed","code":1,"error":"loss exploded (simulated)"}\n');
    const left = await runCli(...argsFor('mnist-fc', 'bp,dfa', 2));
    expect(left.code).toBe(1);
    expect(left.err).toContain('(1 finished already, 1 failed before and left as they are (--retry-failed reruns them))');
    expect(left.err).toMatch(/fbl: 1 of 2 cells did not finish; see "Unfinished cells" in .*results\.md\n$/);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/\| dfa \| — \(1\/1 failed\) \|/);
    expect(md).toContain('| mnist-fc-dfa-s1 | 1/2 | loss exploded (simulated) |');
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
    writeFileSync(cell, saved);
    writeFileSync(join(out, 'reproduce.lock'), String(process.pid));
    const busy = await runCli(...args);
    expect(busy.code).toBe(1);
    expect(busy.err).toMatch(/^fbl: .* is in use by another fbl reproduce \(pid \d+\); wait for it or choose another --out\n$/);
    rmSync(join(out, 'reproduce.lock'));
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
