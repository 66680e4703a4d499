#!/usr/bin/env node
// Repository rules that a type checker does not see, the import boundaries of
// .dependency-cruiser.cjs (no cycles; a rule package imports only core and feedback), then
// ESLint's type-aware rules (eslint.config.mjs: floating promises) on the package's src/. Run
// from a package directory:
// `node ../../tooling/scripts/lint.mjs`. Exits 1 listing every violation.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';

const MAX_LINES = 400;
const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const problems = [];

function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const src = join(dir, 'src');
const files = existsSync(src) ? walk(src).filter((f) => /\.(ts|tsx)$/.test(f)) : [];
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const rel = relative(dir, f);
  const isTest = /\.test\.tsx?$/.test(f);
  const lines = text.split('\n').length;
  if (!isTest && lines > MAX_LINES) problems.push(`${rel}: ${lines} lines (budget ${MAX_LINES}); split it by concept`);
  if (/\b(it|describe|test)\.only\(/.test(text)) problems.push(`${rel}: .only left in a test`);
  if (!isTest && pkg.name.startsWith('@feedback-lab/') && !pkg.private && text.split('\n').some((l) => /console\.log\(/.test(l) && !/^\s*(\*|\/\/)/.test(l))) {
    problems.push(`${rel}: console.log in library code; report through events or an injected logger`);
  }
}

const isLibrary = !pkg.private && existsSync(join(dir, 'src/index.ts'));
if (isLibrary) {
  if (pkg.sideEffects === undefined) problems.push('package.json: declare "sideEffects"');
  const root = pkg.exports?.['.'];
  if (!root?.['@feedback-lab/source'] || !root?.types || !root?.default) {
    problems.push('package.json: exports["."] needs "@feedback-lab/source", "types" and "default"');
  }
  if (!pkg.peerDependencies?.['@tensorflow/tfjs-core']) problems.push('package.json: @tensorflow/tfjs-core must be a peerDependency');
  if (!existsSync(join(dir, 'README.md'))) problems.push('README.md is missing');
}

// turbo.json inputs must name every workspace package this one imports (see turbo-inputs.mjs).
try {
  execFileSync(process.execPath, [join(import.meta.dirname, 'turbo-inputs.mjs'), '--check'], { encoding: 'utf8', stdio: 'pipe' });
} catch (err) {
  problems.push(String(err.stderr).trim());
}

// Import boundaries, from this package's src/ through every file it reaches in other packages.
if (files.length) {
  const root = resolve(import.meta.dirname, '../..');
  const bin = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  try {
    execFileSync(process.execPath, [bin, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', relative(root, src)], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const out = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim();
    problems.push(out || `dependency-cruiser failed: ${err.message}`);
  }
}

if (files.length) {
  const eslint = new ESLint({ cwd: resolve(import.meta.dirname, '../..'), errorOnUnmatchedPattern: false });
  for (const r of await eslint.lintFiles(files)) {
    for (const m of r.messages) problems.push(`${relative(dir, r.filePath)}:${m.line}:${m.column}: ${m.message} (${m.ruleId ?? 'eslint'})`);
  }
}

if (problems.length) {
  console.error(`lint ${pkg.name}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
