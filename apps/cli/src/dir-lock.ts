import { readFileSync, renameSync, rmdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import lockfile from 'proper-lockfile';

/**
 * The directory is claimed by another run: the CLI prints the message as one line (exit 1).
 * Not an FblError so that this module loads without tfjs (its race test starts 50 processes).
 */
export class DirInUseError extends Error {
  override readonly name = 'DirInUseError';
  readonly code = 'IN_USE';
}

/** The lock is a directory inside the locked one; proper-lockfile creates it with mkdir (atomic). */
export const LOCK_NAME = '.fbl.lock';
const OWNER = 'owner.json';
/**
 * A lock whose holder is on another machine is taken over once its heartbeat (the lock
 * directory's mtime, refreshed every STALE_MS / 4 on a timer) is this old. Long, because a
 * training step can hold the event loop for seconds; on this machine a dead holder is seen at
 * once from its pid, so a killed run resumes without waiting.
 */
const STALE_MS = 60_000;

interface Owner {
  pid: number;
  host: string;
  token: string;
  command: string;
  since: string;
}

/**
 * Claims directory `dir` (which must exist) for this process: one run per output directory.
 * `command` names the holder in the refusal another start gets ("fbl train"); `fix` ends that
 * line ("choose another --checkpoint-dir").
 *
 * The claim itself is proper-lockfile's: mkdir of `<dir>/.fbl.lock`, which exactly one of any
 * number of simultaneous starts wins. Inside it goes `owner.json` (pid, host, a token), written
 * to a temporary name and renamed, so a reader sees a whole owner or none: "none" means a
 * start in progress, never a stale lock. A lock is taken over only when its holder is
 * provably gone (same host and its pid is not running, or its heartbeat is STALE_MS old), and
 * only under a second lock, `.fbl.lock.break`, after re-reading that the owner is still the same
 * one: so two starts that both find the same dead holder cannot remove each other's new claim.
 * (proper-lockfile's own stale removal is an rmdir, which fails on the non-empty lock
 * directory, so it never removes a claim behind our back.)
 *
 * Returns the release function; call it once the work is done.
 */
export function lockDir(dir: string, command: string, fix: string): () => void {
  const lockPath = join(dir, LOCK_NAME);
  const token = randomUUID();
  for (let attempt = 0; attempt < 5; attempt++) {
    let release: () => void;
    try {
      release = lockfile.lockSync(dir, { lockfilePath: lockPath, realpath: false, stale: STALE_MS, update: STALE_MS / 4, onCompromised: (err) => compromised(dir, lockPath, token, err) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED' && code !== 'ENOTEMPTY') throw err;
      const owner = readOwner(lockPath);
      if (!owner || !gone(owner, lockPath)) throw inUse(dir, owner, command, fix);
      breakLock(dir, lockPath, owner.token);
      continue;
    }
    const owner: Owner = { pid: process.pid, host: hostname(), token, command, since: new Date().toISOString() };
    try {
      // proper-lockfile's heartbeat takes a changed mtime for a lost lock, and adding a file
      // changes the directory's: put back the mtime it recorded (what stat says right now).
      const { mtime } = statSync(lockPath);
      const tmp = join(lockPath, `${OWNER}.tmp-${process.pid}`);
      writeFileSync(tmp, JSON.stringify(owner));
      renameSync(tmp, join(lockPath, OWNER));
      utimesSync(lockPath, mtime, mtime);
    } catch (err) {
      for (const f of [OWNER, `${OWNER}.tmp-${process.pid}`]) rmSync(join(lockPath, f), { force: true });
      release();
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Only our own claim: if it was taken over, the directory holds another owner now.
      const ours = readOwner(lockPath)?.token === owner.token;
      if (ours) rmSync(join(lockPath, OWNER), { force: true });
      try {
        release();
      } catch {
        // proper-lockfile let go after a disturbed heartbeat (see compromised), so the now empty
        // claim is ours to remove; if it was taken over, nothing of ours is left to release.
        if (ours) {
          try {
            rmdirSync(lockPath);
          } catch {
            /* gone already */
          }
        }
      }
    };
  }
  throw new DirInUseError(`cannot lock ${dir}: its lock keeps changing hands; is another ${command} starting there?`);
}

function readOwner(lockPath: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(join(lockPath, OWNER), 'utf8')) as Partial<Owner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string') {
      return { pid: o.pid, host: o.host, token: o.token, command: String(o.command ?? 'fbl'), since: String(o.since ?? '?') };
    }
  } catch {
    /* absent or being written: a start in progress */
  }
  return undefined;
}

function gone(owner: Owner, lockPath: string): boolean {
  if (owner.host === hostname()) return !alive(owner.pid);
  try {
    return Date.now() - statSync(lockPath).mtimeMs > STALE_MS;
  } catch {
    return false;
  }
}

/** Removes the claim of `token` (found gone) under the break lock, if it is still that claim. */
function breakLock(dir: string, lockPath: string, token: string): void {
  let release: () => void;
  try {
    release = lockfile.lockSync(join(dir, `${LOCK_NAME}.break`), { lockfilePath: `${lockPath}.break`, realpath: false, stale: 10_000 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') return; // another start is breaking it; retry
    throw err;
  }
  try {
    if (readOwner(lockPath)?.token !== token) return;
    rmSync(lockPath, { recursive: true, force: true });
  } finally {
    release();
  }
}

function inUse(dir: string, owner: Owner | undefined, command: string, fix: string): DirInUseError {
  const who = owner ? `${owner.command} (pid ${owner.pid} on ${owner.host}, since ${owner.since})` : `another ${command} that is starting`;
  return new DirInUseError(`${dir} is in use by ${who}; wait for it to finish or ${fix}`);
}

/**
 * proper-lockfile gave up its heartbeat (the lock directory's mtime was not the one it set, or
 * it could not be updated in time, e.g. on a machine so loaded that the timer ran late). If
 * owner.json still names this process, the claim is intact: keep it fresh ourselves. If another
 * process has taken the directory, stop before writing over its files.
 */
function compromised(dir: string, lockPath: string, token: string, err: Error): void {
  if (readOwner(lockPath)?.token !== token) {
    process.stderr.write(`fbl: lost the lock on ${dir} (${err.message}); stopping so that two runs never write there\n`);
    process.exit(75);
  }
  const timer = setInterval(() => {
    if (readOwner(lockPath)?.token !== token) return clearInterval(timer); // released, or taken over
    try {
      const now = new Date();
      utimesSync(lockPath, now, now);
    } catch {
      /* gone: released */
    }
  }, STALE_MS / 4);
  timer.unref();
}

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
