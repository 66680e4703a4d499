import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DirInUseError, LOCK_NAME, lockDir } from './dir-lock';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'dir-lock.fixture.ts');
const root = mkdtempSync(join(tmpdir(), 'fbl-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Start {
  end(): void;
  done: Promise<{ code: number | null; out: string }>;
}

function start(dir: string): Start {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => void (out += d));
  child.stderr.on('data', (d) => void (out += d));
  return { end: () => child.stdin.end(), done: new Promise((resolve) => child.on('close', (code) => resolve({ code, out }))) };
}

/** Starts `n` claimants at once; returns the winners' outputs once every loser has exited. */
async function race(dir: string, n: number) {
  const starts = Array.from({ length: n }, () => start(dir));
  const results = new Map<Start, { code: number | null; out: string }>();
  for (const s of starts) void s.done.then((r) => results.set(s, r));
  // Losers exit on their own; wait until all but (at most) one have.
  for (let t = 0; t < 3000 && results.size < n - 1; t++) await new Promise((r) => setTimeout(r, 100));
  const holders = starts.filter((s) => !results.has(s));
  for (const s of starts) s.end();
  await Promise.all(starts.map((s) => s.done));
  const all = [...results.values()];
  return { all: starts.map((s) => results.get(s)!), holders: holders.length, losers: all.filter((r) => r.code === 1) };
}

describe('lockDir', () => {
  it('50 simultaneous starts on a fresh directory: exactly one proceeds, the rest are refused in one line', async () => {
    const dir = join(root, 'fresh');
    mkdirSync(dir);
    const r = await race(dir, 50);
    expect(r.holders).toBe(1);
    const acquired = r.all.filter((x) => x.out.startsWith('acquired'));
    expect(acquired).toHaveLength(1);
    expect(acquired[0]!.code).toBe(0);
    expect(r.losers).toHaveLength(49);
    for (const l of r.losers) expect(l.out).toMatch(/^refused IN_USE: .*fresh is in use by (fbl test \(pid \d+ on .*, since .*\)|another fbl test that is starting); wait for it to finish or choose another directory\n$/);
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false); // released
  }, 400_000);

  it('50 simultaneous starts over the lock of a killed run: exactly one takes it over', async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    const killed = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => killed.stdout.once('data', () => resolve()));
    killed.kill('SIGKILL');
    await new Promise((resolve) => killed.on('close', resolve));
    expect(existsSync(join(dir, LOCK_NAME, 'owner.json'))).toBe(true); // left behind
    const r = await race(dir, 50);
    expect(r.holders).toBe(1);
    expect(r.all.filter((x) => x.out.startsWith('acquired'))).toHaveLength(1);
    expect(r.losers).toHaveLength(49);
  }, 400_000);

  it('a disturbed heartbeat keeps the claim while owner.json is ours, and stops the run once another owns it', async () => {
    const holders = ['kept', 'taken'].map((name) => {
      const dir = join(root, name);
      mkdirSync(dir);
      return { dir, run: start(dir) };
    });
    await new Promise((r) => setTimeout(r, 500));
    for (let t = 0; t < 600 && !holders.every((h) => existsSync(join(h.dir, LOCK_NAME, 'owner.json'))); t++) await new Promise((r) => setTimeout(r, 100));
    const old = new Date(Date.now() - 5_000);
    for (const h of holders) utimesSync(join(h.dir, LOCK_NAME), old, old); // proper-lockfile's heartbeat sees a foreign mtime
    const taken = join(holders[1]!.dir, LOCK_NAME, 'owner.json');
    writeFileSync(taken, JSON.stringify({ ...JSON.parse(readFileSync(taken, 'utf8')), token: 'someone else' }));
    const stolen = await holders[1]!.run.done; // its next heartbeat (≤ 15 s) finds the claim gone
    await new Promise((r) => setTimeout(r, 1000)); // the kept one's heartbeat has run by now too
    expect(stolen.code).toBe(75);
    expect(stolen.out).toMatch(/lost the lock on .*taken .*stopping so that two runs never write there/);
    holders[0]!.run.end();
    const kept = await holders[0]!.run.done;
    expect(kept.code).toBe(0);
    expect(existsSync(join(holders[0]!.dir, LOCK_NAME))).toBe(false);
  }, 120_000);

  it('refuses while held in this process, names the holder, and is free again after release', () => {
    const dir = join(root, 'inproc');
    mkdirSync(dir);
    const release = lockDir(dir, 'fbl train', 'choose another --checkpoint-dir');
    try {
      let err: unknown;
      try {
        lockDir(dir, 'fbl train', 'choose another --checkpoint-dir');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DirInUseError);
      expect((err as DirInUseError).message).toBe(`${dir} is in use by fbl train (pid ${process.pid} on ${hostname()}, since ${(err as DirInUseError).message.match(/since (\S+)\)/)![1]}); wait for it to finish or choose another --checkpoint-dir`);
    } finally {
      release();
    }
    lockDir(dir, 'fbl train', 'x')();
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
  });

  it('a lock held on another machine is taken over only once its heartbeat is old', () => {
    const dir = join(root, 'remote');
    mkdirSync(join(dir, LOCK_NAME), { recursive: true });
    writeFileSync(join(dir, LOCK_NAME, 'owner.json'), JSON.stringify({ pid: 1, host: 'elsewhere', token: 't', command: 'fbl worker', since: 'then' }));
    expect(() => lockDir(dir, 'fbl train', 'wait')).toThrow(/in use by fbl worker \(pid 1 on elsewhere, since then\)/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(dir, LOCK_NAME), old, old);
    lockDir(dir, 'fbl train', 'wait')();
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
  });
});
