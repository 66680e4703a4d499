// The publishable packages of the workspace and how to pack them, shared by release-dry.mjs and
// consumer-test.mjs. `pnpm pack` is what `pnpm publish` uploads: it turns `workspace:` ranges
// into versions and applies `publishConfig` (our exports without the dev-only source condition).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** `{ name, dir, manifest }` for every non-private package under packages/. */
export function publishablePackages() {
  const base = join(ROOT, 'packages');
  return readdirSync(base)
    .map((d) => join(base, d))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter((p) => !p.manifest.private)
    .map((p) => ({ name: p.manifest.name, ...p }));
}

/** Names of `names` plus every workspace package they depend on at run time, transitively. */
export function runtimeClosure(names, all = publishablePackages()) {
  const byName = new Map(all.map((p) => [p.name, p]));
  const seen = new Set();
  const visit = (name) => {
    const p = byName.get(name);
    if (!p) throw new Error(`unknown workspace package ${name} (publishable: ${[...byName.keys()].join(', ')})`);
    if (seen.has(name)) return;
    seen.add(name);
    Object.keys(p.manifest.dependencies ?? {}).filter((d) => byName.has(d)).forEach(visit);
  };
  names.forEach(visit);
  return all.filter((p) => seen.has(p.name));
}

/** Packs `pkg` with pnpm into `outDir`; returns the tarball's path. Needs a built dist/. */
export function pack(pkg, outDir) {
  if (!existsSync(join(pkg.dir, 'dist'))) throw new Error(`${pkg.name}: no dist/; run \`pnpm build\` first`);
  mkdirSync(outDir, { recursive: true });
  const out = execFileSync('pnpm', ['pack', '--pack-destination', outDir], { cwd: pkg.dir, encoding: 'utf8' });
  const tgz = out.trim().split('\n').map((l) => l.trim()).reverse().find((l) => l.endsWith('.tgz'));
  if (!tgz || !existsSync(tgz)) throw new Error(`${pkg.name}: pnpm pack printed no tarball:\n${out}`);
  return tgz;
}

/** The manifest and file list inside a tarball. */
export function readTarball(tgz) {
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' }));
  const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  return { manifest, files };
}
