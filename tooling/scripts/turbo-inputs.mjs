#!/usr/bin/env node
// Writes each workspace package's turbo.json so that its `test`, `typecheck` and `lint` hashes
// include the sources of every workspace package it imports, directly or not. Packages import
// each other from src/ (the `@feedback-lab/source` condition), so without this an edit in
// packages/core/src would replay a dependent's cached test result. turbo's own answer, a
// `transit` task with `dependsOn: ["^transit"]`, was rejected here ("Cyclic dependency
// detected") while devDependencies formed a cycle; this script does not depend on the graph
// being acyclic.
//
// `node tooling/scripts/turbo-inputs.mjs` rewrites the files; `--check` (run by lint.mjs for its
// package) exits 1 naming the stale ones. Dependencies' own tests (*.test.ts) are left out: they
// cannot change a dependent's result.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './packages.mjs';

/** `{ name, dir, deps }` for every workspace package under packages/ and apps/. */
function workspace() {
  return ['packages', 'apps'].flatMap((base) =>
    readdirSync(join(ROOT, base))
      .map((d) => join(ROOT, base, d))
      .filter((dir) => existsSync(join(dir, 'package.json')))
      .map((dir) => {
        const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        const deps = Object.entries({ ...m.dependencies, ...m.devDependencies, ...m.peerDependencies })
          .filter(([, range]) => String(range).startsWith('workspace:'))
          .map(([name]) => name);
        return { name: m.name, dir, deps };
      }));
}

/** The workspace packages `pkg` imports, transitively (cycles included once), without itself. */
function closure(pkg, byName) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name) || !byName.has(name)) return;
    seen.add(name);
    byName.get(name).deps.forEach(visit);
  };
  pkg.deps.forEach(visit);
  seen.delete(pkg.name);
  return [...seen].sort().map((n) => byName.get(n));
}

/** Files outside the workspace sources that a package's tests read. */
const TEST_READS = { '@feedback-lab/rules': ['$TURBO_ROOT$/docs/writing-a-rule.md'] };

/** The turbo.json `pkg` should have: its existing tasks plus computed inputs. */
export function expectedConfig(pkg, byName) {
  const file = join(pkg.dir, 'turbo.json');
  const current = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const sources = closure(pkg, byName).flatMap((d) => {
    const rel = relative(ROOT, d.dir);
    return [`$TURBO_ROOT$/${rel}/src/**`, `!$TURBO_ROOT$/${rel}/src/**/*.test.ts`, `$TURBO_ROOT$/${rel}/package.json`];
  });
  const inputs = ['$TURBO_DEFAULT$', ...sources, '$TURBO_ROOT$/tooling/**', '$TURBO_ROOT$/pnpm-lock.yaml'];
  return {
    $schema: 'https://turbo.build/schema.json',
    extends: ['//'],
    tasks: {
      ...current.tasks,
      typecheck: { inputs },
      lint: { inputs: [...inputs, '$TURBO_ROOT$/eslint.config.mjs', '$TURBO_ROOT$/.dependency-cruiser.cjs'] },
      test: { inputs: [...inputs, ...(TEST_READS[pkg.name] ?? [])] },
    },
  };
}

const all = workspace();
const byName = new Map(all.map((p) => [p.name, p]));
const check = process.argv.includes('--check');
const only = check ? all.filter((p) => p.dir === process.cwd()) : all;
const stale = [];
for (const pkg of only) {
  const text = `${JSON.stringify(expectedConfig(pkg, byName), null, 2)}\n`;
  const file = join(pkg.dir, 'turbo.json');
  if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
  if (check) stale.push(relative(ROOT, file));
  else writeFileSync(file, text);
}
if (stale.length) {
  console.error(`${stale.join(', ')}: turbo inputs do not match the workspace dependencies; run node tooling/scripts/turbo-inputs.mjs`);
  process.exit(1);
}
if (!check) console.log(`turbo.json inputs written for ${only.length} packages`);
