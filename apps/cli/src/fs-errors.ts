import { mkdirSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { FblError } from '@feedback-lab/core';

/** What a Node file-system error means, and what to do about it. */
const REASONS: Record<string, [reason: string, fix: string]> = {
  ENOENT: ['no such file or directory', 'check the path'],
  EISDIR: ['it is a directory, not a file', 'give the path of a file, or remove the directory'],
  ENOTDIR: ['a part of the path is a file, not a directory', 'choose a path whose parents are directories'],
  EACCES: ['permission denied', 'check its permissions, or choose a path you can write'],
  EPERM: ['operation not permitted', 'check its permissions, or choose another path'],
  EROFS: ['the file system is read-only', 'choose a path on a writable file system'],
  ENOSPC: ['no space left on the device', 'free some space, or choose another disk'],
  EDQUOT: ['the disk quota is exceeded', 'free some space, or choose another disk'],
  EEXIST: ['it already exists', 'remove it, or choose another path'],
  ENOTEMPTY: ['the directory is not empty', 'remove its contents, or choose another path'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n)'],
  ENFILE: ['too many open files on the system', 'close other programs, or raise the limit'],
  ENAMETOOLONG: ['the name is too long', 'choose a shorter path'],
  ELOOP: ['too many symbolic links', 'check the links in the path'],
  EIO: ['input/output error', 'check the disk or network file system'],
  EBUSY: ['the resource is busy', 'try again when it is free'],
  EXDEV: ['it crosses file systems', 'keep the files on one file system'],
  ETXTBSY: ['the file is busy', 'try again when it is free'],
};

const VERBS: Record<string, string> = {
  open: 'open', read: 'read', write: 'write', close: 'write', fsync: 'write', mkdir: 'create the directory',
  rename: 'rename', unlink: 'remove', rmdir: 'remove', rm: 'remove', scandir: 'list', opendir: 'list',
  stat: 'access', lstat: 'access', fstat: 'read', utime: 'update', futime: 'update', copyfile: 'copy', realpath: 'resolve',
  access: 'access', chmod: 'change', symlink: 'link', link: 'link', readlink: 'resolve', ftruncate: 'write',
};

/** True for an error Node's fs raised (it carries an errno code and the call that failed). */
export function isFileSystemError(err: unknown): err is NodeJS.ErrnoException {
  if (!(err instanceof Error)) return false;
  const e = err as NodeJS.ErrnoException;
  return typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.syscall === 'string';
}

/**
 * A Node fs error as one line: what could not be done to which path, why, and the fix, e.g.
 * "cannot create the directory /data/ck: permission denied; check its permissions, or choose
 * a path you can write". `what` names the option the path came from, when known.
 */
export function describeFileSystemError(err: NodeJS.ErrnoException, what?: string): string {
  const [reason, fix] = err.code === 'EEXIST' && err.syscall === 'mkdir'
    ? ['a file is in the way (not a directory)', 'remove the file, or choose another path']
    : REASONS[err.code!] ?? [err.code!.toLowerCase(), 'check the path'];
  const verb = VERBS[err.syscall!] ?? err.syscall!;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  const path = e.path ? ` ${e.path}${e.dest ? ` to ${e.dest}` : ''}` : '';
  return `${what ? `${what}: ` : ''}cannot ${verb}${path}: ${reason}; ${fix}`;
}

/** Turns a Node fs error into a FILE_SYSTEM FblError (one line); other errors pass unchanged. */
export function asFileSystemError(err: unknown, what?: string): unknown {
  return isFileSystemError(err) ? new FblError('FILE_SYSTEM', describeFileSystemError(err, what), { cause: err }) : err;
}

/**
 * `statSync(path)`, or undefined where there is no entry. Not `throwIfNoEntry: false`: from
 * Node 22 on, that also answers undefined where a part of the path is a file (Node 20 threw
 * ENOTDIR), and the one-line reason for it was lost.
 */
export function statIfExists(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if (isFileSystemError(err) && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Makes sure `dir` can hold what a command will write, before any work is done: a file in its
 * place, a parent that is a file, no permission, a read-only or full disk all fail here, in one
 * line naming `flag`, not after an epoch of training. Creates the directory if needed.
 */
export function prepareOutputDir(dir: string, flag: string): void {
  try {
    if (statIfExists(dir)?.isDirectory() === false) {
      throw new FblError('FILE_SYSTEM', `${flag} ${dir} is a file, not a directory; choose a directory (it is created if missing)`);
    }
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.fbl-write-test-${process.pid}`);
    try {
      writeFileSync(probe, 'ok');
    } catch (err) {
      if (!isFileSystemError(err)) throw err;
      const [reason, fix] = REASONS[err.code!] ?? [err.code!.toLowerCase(), 'choose another directory'];
      throw new FblError('FILE_SYSTEM', `${flag}: cannot write into ${dir}: ${reason}; ${fix}`, { cause: err });
    }
    rmSync(probe, { force: true });
  } catch (err) {
    throw asFileSystemError(err, flag);
  }
}

/** Runs `fn`, turning a Node fs error into a FILE_SYSTEM FblError naming `what`. */
export function withFileSystemErrors<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asFileSystemError(err, what);
  }
}
