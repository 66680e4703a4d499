import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSweepFile } from './config-file';

const root = mkdtempSync(join(tmpdir(), 'fbl-sweep-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
};

describe('readSweepFile', () => {
  it('reads the same sweep from JSON and YAML', () => {
    const json = readSweepFile(file('s.json', JSON.stringify({
      rules: ['bp', 'dfa'], seeds: [1, 2], trials: 8, 'search-seed': 3, objective: 'best-acc', halving: 3, epochs: 9, limit: 5000,
      params: { lr: { 'log-uniform': [0.001, 0.1] }, 'feedback-scale': [0.1, 0.3], optimizer: 'sgd,momentum', 'batch-size': { uniform: [16, 128] } },
    })));
    const yaml = readSweepFile(file('s.yaml', `
rules: [bp, dfa]
seeds: [1, 2]
trials: 8
search-seed: 3
objective: best-acc
halving: 3
epochs: 9
limit: 5000
params:
  lr: {log-uniform: [0.001, 0.1]}
  feedback-scale: [0.1, 0.3]
  optimizer: sgd,momentum
  batch-size:
    uniform: [16, 128]
`));
    expect(yaml).toEqual(json);
    expect(json.argv).toEqual(['--rules=bp,dfa', '--seeds=1,2', '--trials=8', '--search-seed=3', '--objective=best-acc', '--halving=3', '--epochs=9', '--limit=5000']);
    expect(json.params.map((p) => p.name)).toEqual(['lr', 'feedback-scale', 'optimizer', 'batch-size']);
    expect(json.params[3]).toEqual({ name: 'batch-size', kind: 'uniform', min: 16, max: 128, integer: true });
  });

  it.each([
    ['unknown.json', '{"params": {"lr": [0.1]}, "searchSeed": 2}', /unknown\.json: unknown key "searchSeed" \(did you mean "search-seed"\?\); a sweep file holds params, rules/],
    ['top.json', '{"lr": [0.1]}', /unknown key "lr" \(an fbl train option: put it under "params"\)/],
    ['param.yaml', 'params:\n  lrr: [0.1]\n', /param\.yaml: params\.lrr: "lrr" is not an fbl train option \(did you mean "lr"\?\)/],
    ['path.yaml', 'params:\n  checkpoint-dir: /tmp\n', /--checkpoint-dir cannot be swept: a path/],
    ['rules.json', '{"rules": {"bp": 1}}', /rules must be a list/],
    ['trials.json', '{"trials": [1, 2]}', /trials must be a value/],
    ['list.json', '[1, 2]', /a sweep file is an object with "params"/],
    ['broken.json', '{"params": ', /broken\.json: not valid JSON/],
    ['broken.yaml', 'params: [a\n', /broken\.yaml: not valid YAML/],
    ['sweep.toml', 'x = 1', /name it \.json, \.yaml or \.yml/],
  ])('%s is refused in one line', (name, text, message) => {
    expect(() => readSweepFile(file(name, text))).toThrow(message);
    try {
      readSweepFile(file(name, text));
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('a missing file is one line naming it', () => {
    expect(() => readSweepFile(join(root, 'nope.yaml'))).toThrow(/--config: cannot read .*nope\.yaml/);
  });
});
