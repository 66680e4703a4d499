import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli';

const run = runCli;

const dir = mkdtempSync(join(tmpdir(), 'fbl-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model choice: --preset, --model, fbl presets', () => {
  it('lists the presets', async () => {
    const r = await run('presets');
    expect(r.code).toBe(0);
    for (const name of ['mnist-fc', 'mnist-conv', 'cifar-conv', 'deep-mlp-<L>']) expect(r.out).toContain(name);
    expect(JSON.parse((await run('presets', '--json')).out).map((p: { name: string }) => p.name)).toContain('mnist-conv');
  });

  it('trains a JSON model file with a conv block', async () => {
    const file = join(dir, 'tiny.json');
    writeFileSync(file, JSON.stringify({ input: [2, 4, 1], layers: [{ type: 'conv2d', filters: 3, kernel: 2, padding: 'same', pool: { type: 'max', size: 2 } }, { type: 'dense', units: 4 }] }));
    const r = await run('train', '--dataset', 'blobs', '--model', file, '--epochs', '1', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim().split('\n').pop()!)).toMatchObject({ event: 'done', model: `model ${file}` });
  });

  it('trains a deep-mlp preset on any input size', async () => {
    const r = await run('train', '--dataset', 'spirals', '--preset', 'deep-mlp-3', '--epochs', '1');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/preset deep-mlp-3/);
  });

  it.each([
    [['train', '--preset', 'mnist-conv', '--arch', '784-10'], /give only one of --arch, --preset and --model/],
    [['train', '--preset', 'resnet'], /unknown preset "resnet"/],
    [['train', '--dataset', 'blobs', '--preset', 'mnist-conv'], /mnist-conv expects inputs of shape \[28,28,1\] \(784 values\) but the data has \[8\]/],
    [['train', '--model', '/no/such.json'], /--model: cannot read \/no\/such.json/],
    [['train', '--dataset', 'cifar10'], /cifar10 needs --data-dir/],
    [['bench', 'sped'], /unknown benchmark "sped" \(expected speed, accuracy, memory-depth, memory-fit, fits, dispatch\)/],
    [['bench', 'fits', '--depths', '10,x'], /--depths must be integers 1 to 1000 joined by ',', got "10,x"/],
    [['bench', 'fits', '--rules', 'bp', '--measure-rules', 'dfa'], /--measure-rules: "dfa" is not among --rules \(bp\)/],
    [['bench', 'accuracy', '--rules', 'bp,magic'], /unknown rule "magic"/],
    [['bench', 'accuracy', '--seeds', '1,x'], /--seeds must be integers from 0 to 4294967295 joined by ","; got "x"/],
    [['bench', 'accuracy', '--lrs', 'dfa'], /--lrs entries must be RULE=NUMBER/],
  ])('rejects %j with one line', async (argv, message) => {
    const r = await run(...(argv as string[]));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('rejects an invalid model file naming the bad field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ input: [28, 28, 1], layers: [{ type: 'conv2d', filters: 0, kernel: 5 }] }));
    const r = await run('train', '--model', file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/layers\[0\]\.filters must be a positive integer, got 0/);
  });
});

describe('fbl bench fits', () => {
  it('predicts each rule\'s largest batch per depth, writes the table and plot, measures nothing by default', async () => {
    const out = join(dir, 'fits');
    const r = await run('bench', 'fits', '--rules', 'bp,mem-dfa', '--depths', '10,100', '--out', out);
    expect(r.code).toBe(0);
    const { cells } = JSON.parse(readFileSync(join(out, 'fits.json'), 'utf8')) as { cells: { model: string; depth: number; rule: string; batch: number; measured?: unknown }[] };
    expect(cells).toHaveLength(2 * 2 * 2);
    expect(cells.every((c) => c.measured === undefined && c.batch > 0)).toBe(true);
    const at = (model: string, rule: string, depth: number) => cells.find((c) => c.model === model && c.rule === rule && c.depth === depth)!.batch;
    for (const model of ['long-fc', 'long-conv']) expect(at(model, 'mem-dfa', 100)).toBeGreaterThan(20 * at(model, 'bp', 100));
    expect(readFileSync(join(out, 'fits.md'), 'utf8')).toContain('## long-fc: largest batch under the limit');
    expect(readFileSync(join(out, 'fits.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

describe('fbl bench accuracy', () => {
  it('prints the config and a markdown table per rule over seeds, and writes it with --out', async () => {
    const out = join(dir, 'bench');
    const r = await run('bench', 'accuracy', '--rules', 'bp', '--dataset', 'blobs', '--arch', '8-16-4', '--epochs', '2', '--seeds', '1,2', '--lr', '0.1', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^bench accuracy: arch 8-16-4 tanh on blobs, 400 train \/ 100 test samples, 2 epoch\(s\), momentum lr 0.1, feedback bp: own, batch 64, seeds 1,2, backend wasm/);
    expect(r.out).toMatch(/\| bp \| \d+\.\d\d ± \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d, \d+\.\d\d \| 0.1 \| \d+\.\d \|/);
    const json = JSON.parse(readFileSync(join(out, 'accuracy-model-blobs.json'), 'utf8'));
    expect(json.runs).toHaveLength(2);
    expect(json.runs[0]).toMatchObject({ rule: 'bp', seed: 1, epochs: 2 });
    expect(readFileSync(join(out, 'accuracy-model-blobs.md'), 'utf8')).toContain('| bp |');
  });
});
