import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `pnpm new-rule` run for real (`--root`, `--no-install`) against a copy of what it reads and
// edits: the catalog, the manifests, the rule packages' descriptors, tooling/. The new
// package borrows rule-bp's node_modules (the same dependencies) and the root's, so it type-checks and runs
// its tests as it would after `pnpm install`, without touching this checkout.
const ROOT = resolve(import.meta.dirname, '../../..');
const fixture = mkdtempSync(join(tmpdir(), 'fbl-new-rule-'));
const copy = (path: string) => cpSync(join(ROOT, path), join(fixture, path), { recursive: true, filter: (src) => !src.includes('node_modules') });
copy('packages/rules/src/catalog.ts');
copy('packages/rules/package.json');
copy('tooling');
mkdirSync(join(fixture, 'apps'));
for (const d of readdirSync(join(ROOT, 'packages'))) {
  copy(`packages/${d}/package.json`);
  if (d === 'rule-bp') ['tsconfig.json', 'vitest.config.ts'].forEach((f) => copy(`packages/${d}/${f}`));
  if (existsSync(join(ROOT, 'packages', d, 'src/descriptor.ts'))) copy(`packages/${d}/src/descriptor.ts`);
}
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

const newRule = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'tooling/scripts/new-rule.mjs'), '--root', fixture, '--no-install', ...args], { encoding: 'utf8' });
const read = (path: string) => readFileSync(join(fixture, path), 'utf8');

describe('pnpm new-rule', () => {
  it.each([
    ['My_Rule', /^new-rule: "My_Rule" is not kebab-case/],
    ['fa', /^new-rule: a rule named "fa" exists already/],
    ['mem-dfa', /^new-rule: a rule named "mem-dfa" exists already/],
    ['class', /^new-rule: "class" is reserved/],
  ])('refuses %s in one line and writes nothing', (name, message) => {
    const catalog = read('packages/rules/src/catalog.ts');
    const r = newRule(name);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(read('packages/rules/src/catalog.ts')).toBe(catalog);
    expect(existsSync(join(fixture, 'packages', `rule-${name}`, 'README.md'))).toBe(false);
  });

  it('scaffolds a rule that type-checks and passes its oracle and the conformance suite, with the catalog and turbo inputs done', () => {
    const before = { catalog: read('packages/rules/src/catalog.ts'), manifest: JSON.parse(read('packages/rules/package.json')) as { dependencies: Record<string, string> } };
    const r = newRule('my-rule');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Created packages/rule-my-rule');

    const catalog = read('packages/rules/src/catalog.ts');
    const added = catalog.split('\n').filter((l) => !before.catalog.split('\n').includes(l));
    expect(added).toEqual(["import { myRuleRule } from '@feedback-lab/rule-my-rule';", '  entry(myRuleRule),']);
    const manifest = JSON.parse(read('packages/rules/package.json')) as typeof before.manifest;
    expect(manifest.dependencies).toEqual({ ...before.manifest.dependencies, '@feedback-lab/rule-my-rule': 'workspace:*' });
    const turbo = JSON.parse(read('packages/rule-my-rule/turbo.json')) as { tasks: { test: { inputs: string[] } } };
    expect(turbo.tasks.test.inputs).toContain('$TURBO_ROOT$/packages/core/src/**');
    expect(newRule('my-rule').stderr).toMatch(/^new-rule: a rule named "my-rule" exists already/);

    const pkg = join(fixture, 'packages/rule-my-rule');
    symlinkSync(join(ROOT, 'packages/rule-bp/node_modules'), join(pkg, 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules'), join(fixture, 'node_modules')); // @types/node
    const run = (bin: string, args: string[]) => spawnSync(process.execPath, [join(ROOT, 'node_modules', bin), ...args], { cwd: pkg, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: '1' } });
    const tsc = run('typescript/bin/tsc', ['-p', 'tsconfig.json', '--noEmit']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    const vitest = run('vitest/vitest.mjs', ['run']);
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/Test Files +2 passed \(2\)/);
  }, 300_000);
});
