// API docs for the public packages: `pnpm docs` → out/api. The entry points are read from each
// publishable package's exports map, so a new package is documented without touching this file.
// Warnings fail the build (CI runs it), so every exported symbol needs its TSDoc in order.
import { publishablePackages } from './tooling/scripts/packages.mjs';
import { join, relative } from 'node:path';

const entryPoints = publishablePackages().flatMap((p) =>
  Object.values(p.manifest.exports).map((e) => relative(process.cwd(), join(p.dir, e['@feedback-lab/source']))));

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'feedback-lab',
  entryPoints,
  tsconfig: 'tooling/tsconfig/typedoc.json',
  out: 'out/api',
  readme: 'none',
  plugin: ['./tooling/scripts/typedoc-package-names.mjs'],
  treatWarningsAsErrors: true,
  excludePrivate: true,
  // Source links need a hosted git remote; a local clone (CI, users) has none.
  disableSources: true,
  excludeInternal: true,
  validation: { notExported: true, invalidLink: true, notDocumented: false },
};
