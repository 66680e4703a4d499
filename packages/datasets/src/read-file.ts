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
    const st = statSync(path);
    if (st.isDirectory()) throw new FblError('DATA_MISSING', `${path} is a directory where a data file was expected; remove it or point --data-dir at the directory holding the files`);
    size = st.size;
  } catch (err) {
    if (err instanceof FblError) throw err;
    throw fileError(path, err);
  }
  if (size > maxBytes) throw new FblError('DATA_FORMAT', `${path}: ${size} bytes is larger than the ${maxBytes}-byte limit`);
  const buf = new Uint8Array(size);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fileError(path, err);
  }
  try {
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off !== size) throw new FblError('DATA_FORMAT', `${path}: read ${off} of ${size} bytes`);
  } catch (err) {
    throw err instanceof FblError ? err : fileError(path, err);
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

/** A data file that cannot be read, by the reason Node gives (not found, no permission, I/O). */
function fileError(path: string, err: unknown): FblError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FblError('DATA_MISSING', `file not found: ${path}`);
  if (code === 'EACCES' || code === 'EPERM') return new FblError('DATA_MISSING', `cannot read ${path}: permission denied; check its permissions (chmod a+r)`);
  return new FblError('DATA_MISSING', `cannot read ${path}: ${(err as Error).message}`);
}
