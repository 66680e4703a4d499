#!/usr/bin/env node
// `pnpm release:dry`: packs every publishable package exactly as `pnpm publish` would, checks
// what a consumer would get, and runs publint on each tarball. Exits 1 listing every problem.
// Run after `pnpm build`. Tarballs land in out/packs/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { ROOT, pack, publishablePackages, readTarball } from './packages.mjs';

const outDir = join(ROOT, 'out/packs');
const problems = [];
const targets = (exp) => (typeof exp === 'string' ? [exp] : Object.values(exp ?? {}).flatMap(targets));

/** What publint cannot know about this repo's conventions. */
function checkManifest(name, m, files) {
  const bad = (msg) => problems.push(`${name}: ${msg}`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(m[field] ?? {})) {
      if (String(range).startsWith('workspace:')) bad(`${field}.${dep} is still "${range}" in the tarball`);
    }
  }
  if (JSON.stringify(m.exports ?? {}).includes('@feedback-lab/source')) bad('exports keep the dev-only "@feedback-lab/source" condition (add publishConfig.exports)');
  for (const t of targets(m.exports)) if (!files.includes(t.replace(/^\.\//, ''))) bad(`exports target ${t} is not in the tarball`);
  for (const [key, exp] of Object.entries(m.exports ?? {})) if (!exp.types) bad(`exports["${key}"] has no "types"`);
  if (m.sideEffects === undefined) bad('no "sideEffects" field');
  if (!files.includes('README.md')) bad('no README.md in the tarball');
  if (m.peerDependencies?.['@tensorflow/tfjs-core'] === undefined) bad('@tensorflow/tfjs-core is not a peerDependency');
  if (m.type !== 'module') bad('"type" is not "module"');
}

const pkgs = publishablePackages();
for (const pkg of pkgs) {
  let tgz;
  try {
    tgz = pack(pkg, outDir);
  } catch (err) {
    problems.push(err.message);
    continue;
  }
  const { manifest, files } = readTarball(tgz);
  checkManifest(pkg.name, manifest, files);
  const buf = readFileSync(tgz);
  const { messages, pkg: packed } = await publint({ pack: { tarball: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) }, level: 'suggestion', strict: true });
  for (const m of messages) {
    const text = `${pkg.name}: publint ${m.type}: ${formatMessage(m, packed, { color: false })}`;
    if (m.type === 'suggestion') console.log(text);
    else problems.push(text);
  }
  console.log(`packed ${pkg.name}@${manifest.version}: ${files.length} files, deps ${JSON.stringify(manifest.dependencies ?? {})}`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`release:dry: ${problems.length} problem(s) in ${pkgs.length} packages`);
  process.exit(1);
}
console.log(`release:dry: ${pkgs.length} packages packed into out/packs, publint clean`);
