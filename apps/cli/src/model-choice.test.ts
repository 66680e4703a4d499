import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_LAYERS } from '@feedback-lab/core';
import { MAX_MODEL_FILE_BYTES, resolveSpec } from './model-choice';
import { runCli } from './run-cli';

const dir = mkdtempSync(join(tmpdir(), 'fbl-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const blobs = { name: 'blobs', inputShape: [8], numClasses: 4 };

/** `fbl train --model PATH` on blobs: must fail with exit 2 and exactly one line. */
async function rejected(path: string): Promise<string> {
  const r = await runCli('train', '--dataset', 'blobs', '--model', path, '--epochs', '1');
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.trim().split('\n')).toHaveLength(1);
  return r.err;
}

describe('--model files', () => {
  it('refuses a 10⁵-block file at once, naming the count and the limit', async () => {
    const layers = Array.from({ length: 100_000 }, () => ({ type: 'dense', units: 8 }));
    const path = file('deep.json', JSON.stringify({ input: [8], layers }));
    const t = performance.now();
    expect(await rejected(path)).toBe(`fbl: --model ${path}: layers has 100000 blocks, over the limit of ${MAX_LAYERS} (the deepest preset has 1001)\n`);
    expect(performance.now() - t).toBeLessThan(5000); // the old memory predictor alone took 7 min
  });

  it('refuses a misspelled key, suggesting the right one', async () => {
    const path = file('typo.json', JSON.stringify({ input: [8], layers: [{ type: 'dense', units: 6, batchnorm: true }, { type: 'dense', units: 4 }] }));
    expect(await rejected(path)).toBe(`fbl: --model ${path}: unknown key "batchnorm" in layers[0] (did you mean "batchNorm"?); a dense layer takes type, units, activation, batchNorm\n`);
  });

  it('reports bad JSON on one line, also when V8 quotes text with newlines', async () => {
    expect(await rejected(file('bad.json', '{\n"input": [8],\n x\n}'))).toMatch(/not valid JSON \(.*\)\n$/);
  });

  it('refuses a file over the size limit before parsing it', () => {
    const path = file('big.json', `{"input": [8], "layers": [${' '.repeat(MAX_MODEL_FILE_BYTES)}]}`);
    expect(() => resolveSpec({ model: path }, blobs)).toThrow(`--model ${path}: over the 8 MiB limit of a model file`);
    expect(() => resolveSpec({ model: dir }, blobs)).toThrow(`--model: cannot read ${dir}`);
  });

  it('reads a file just under the limit', () => {
    const text = JSON.stringify({ input: [8], layers: [{ type: 'dense', units: 4 }] });
    const path = file('padded.json', text + ' '.repeat(MAX_MODEL_FILE_BYTES - text.length));
    expect(resolveSpec({ model: path }, blobs).spec.layers).toEqual([{ type: 'dense', units: 4, activation: undefined }]);
  });
});
