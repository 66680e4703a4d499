import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FblError } from '@feedback-lab/core';

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
