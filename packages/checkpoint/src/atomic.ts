import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FblError } from '@feedback-lab/core';

/** The file-system calls an atomic write makes; injectable to simulate a crash at each one. */
export interface AtomicFs {
  mkdirSync(path: string, o: { recursive: true }): unknown;
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  readdirSync(path: string): string[];
}

const TMP_MARK = '.tmp-';

/**
 * Replaces `path` with `bytes` so that a crash at any moment leaves either the old file or the
 * new one, never a mix: write a temp file beside it, fsync it, rename it over `path` (atomic on
 * POSIX), fsync the directory so the rename itself survives a power cut. Temp files left by an
 * earlier crash are removed first; readers never look at them.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, fs: AtomicFs = nodeFs as unknown as AtomicFs): void {
  const dir = dirname(path);
  fs.mkdirSync(dir, { recursive: true });
  const prefix = `.${basename(path)}${TMP_MARK}`;
  for (const f of fs.readdirSync(dir)) if (f.startsWith(prefix)) fs.unlinkSync(join(dir, f));
  const tmp = join(dir, `${prefix}${process.pid}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) safely(() => fs.closeSync(fd!));
    safely(() => fs.unlinkSync(tmp));
    throw new FblError('CHECKPOINT', `could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
  syncDir(dir);
}

function syncDir(dir: string): void {
  // Not every platform lets a directory be opened for fsync (Windows); the rename is done anyway.
  safely(() => {
    const fd = nodeFs.openSync(dir, 'r');
    try {
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  });
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    /* best effort: the original error is the one to report */
  }
}

/** Reads a whole file after checking its size against `maxBytes`. */
export function readFileBounded(path: string, maxBytes: number): Uint8Array {
  let size: number;
  let fd: number;
  try {
    const st = nodeFs.statSync(path);
    if (!st.isFile()) throw new FblError('CHECKPOINT', `${path} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a checkpoint file; remove it, or point at a directory written by fbl train --checkpoint-dir`);
    size = st.size;
    if (size > maxBytes) throw new FblError('CHECKPOINT', `${path}: ${size} bytes is larger than the ${maxBytes}-byte limit`);
    fd = nodeFs.openSync(path, 'r');
  } catch (err) {
    if (err instanceof FblError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new FblError('CHECKPOINT', `no checkpoint at ${path}: ${dirname(path)} is a file, not a checkpoint directory`);
    if (code === 'EACCES' || code === 'EPERM') throw new FblError('CHECKPOINT', `cannot read ${path}: permission denied; check its permissions`);
    throw new FblError('CHECKPOINT', `no checkpoint at ${path}${code === 'ENOENT' ? '' : ` (${(err as Error).message})`}`);
  }
  const buf = new Uint8Array(size);
  try {
    let off = 0;
    while (off < size) {
      const n = nodeFs.readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off !== size) throw new FblError('CHECKPOINT', `${path}: read ${off} of ${size} bytes (file changed while reading?)`);
  } finally {
    nodeFs.closeSync(fd);
  }
  return buf;
}
