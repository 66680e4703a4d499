import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { versionStamp } from '@feedback-lab/checkpoint';
import { checkpointPath } from '@feedback-lab/checkpoint/node';
import { runCli } from '../run-cli';
import { spawnCli } from '../spawn-cli';
import { QUEUE_NAME } from './connection';
import { jobId } from './job';
import { redisAvailable, startRedis, type TestRedis } from './test-redis';

const root = mkdtempSync(join(tmpdir(), 'fbl-queue-'));
const store = join(root, 'store');
const PASSWORD = 's3cret-pw';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let redis: TestRedis;
let url: string;
const workers: ReturnType<typeof spawnCli>[] = [];

beforeAll(async () => {
  if (!redisAvailable) return;
  redis = await startRedis(join(root, 'redis'), [`requirepass ${PASSWORD}`]);
  url = `redis://default:${PASSWORD}@127.0.0.1:${redis.port}`;
});
afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await redis?.kill();
  rmSync(root, { recursive: true, force: true });
});

function startWorker(name: string, stallSeconds = 30, workerStore = store) {
  const w = spawnCli(['worker', '--queue', url, '--store', workerStore, '--name', name, '--threads', '1', '--stall-seconds', String(stallSeconds)]);
  workers.push(w);
  return w;
}

async function stopWorker(w: ReturnType<typeof spawnCli>) {
  w.child.kill('SIGINT');
  return w.done;
}

const cellArgs = (rules: string, out: string, extra: string[] = []) => ['reproduce', '--models', 'mnist-fc', '--rules', rules, '--seeds', '1', '--limit', '2048', '--epochs', '1', '--depths', '1', '--out', out, ...extra];
const table = (md: string) => md.slice(md.indexOf('## Final test accuracy'), md.indexOf('## Test accuracy per epoch'));
const read = (p: string) => readFileSync(p, 'utf8');
const lines = (p: string) => read(p).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe.skipIf(!redisAvailable)('fbl reproduce --queue with fbl worker processes on a real Redis', () => {
  let local = '';

  it('gives the same accuracy table, digit for digit, as the local pool; the password appears nowhere', async () => {
    const a = startWorker('wa');
    const b = startWorker('wb');
    const q = await runCli(...cellArgs('bp,dfa', join(store, 'same'), ['--queue', url]));
    expect(q.code, q.err).toBe(0);
    expect(q.err).toMatch(/started on w[ab]/);
    const l = await runCli(...cellArgs('bp,dfa', join(root, 'local')));
    expect(l.code, l.err).toBe(0);
    local = table(read(join(root, 'local', 'results.md')));
    expect(local).toMatch(/\| bp \| \d+\.\d\d ± 0\.00 \|/);
    expect(table(read(join(store, 'same', 'results.md')))).toBe(local);
    // Each cell's log names the worker that trained it; both workers took one.
    const ran = ['bp', 'dfa'].map((r) => lines(join(store, 'same', 'cells', `mnist-fc-${r}-s1`, 'epochs.jsonl')).find((e) => e.event === 'start')!.worker);
    expect(new Set(ran)).toEqual(new Set(['wa', 'wb']));
    const status = await runCli('queue', 'status', '--queue', url, '--run', 'same');
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(/queue: 2 done · 0 running · 0 failed · 0 waiting · 2 worker\(s\) connected/);
    expect(status.out).toMatch(/worker wa: 0 running, 1 done/);
    const [ea, eb] = await Promise.all([stopWorker(a), stopWorker(b)]);
    for (const text of [q.out, q.err, status.out, ea.err, eb.err, ...files(store).filter((f) => !f.endsWith('.fblc')).map(read)]) expect(text).not.toContain(PASSWORD);
    expect(q.err).toContain(`redis://***@127.0.0.1:${redis.port}`);
  });

  it('refuses, in one line, a job from another version and one whose run leaves the store', async () => {
    const client = new Redis({ port: redis.port, password: PASSWORD, maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: client });
    const config = JSON.parse(read(join(store, 'same', 'cells', 'mnist-fc-bp-s1', 'cell.json'))) as object;
    const good = { version: { ...versionStamp() }, run: 'evil', id: 'mnist-fc-bp-s1', epochs: 1, checkpointEvery: 200, config };
    await queue.add('cell', { ...good, version: { ...good.version, feedbackLab: '0.0.1' } }, { jobId: 'old-version' });
    await queue.add('cell', { ...good, run: '../outside' }, { jobId: 'escape' });
    await queue.add('cell', { ...good, config: { ...config, options: { model: '/etc/passwd' } } }, { jobId: 'path-option' });
    const w = startWorker('wc');
    const reasons: Record<string, string> = {};
    for (const deadline = Date.now() + 120_000; Date.now() < deadline && Object.keys(reasons).length < 3;) {
      for (const id of ['old-version', 'escape', 'path-option']) {
        const job = await queue.getJob(id);
        if (job?.failedReason) reasons[id] = job.failedReason;
      }
      await sleep(100);
    }
    const { err } = await stopWorker(w);
    await queue.close();
    client.disconnect();
    expect(reasons['old-version']).toMatch(/refused by worker wc: the cell comes from another version: feedbackLab "0\.0\.1"/);
    expect(reasons.escape).toMatch(/refused by worker wc: the run directory "\.\.\/outside" must be up to 8 names/);
    expect(reasons['path-option']).toMatch(/--model cannot be set as an extra option/);
    expect(err.split('\n').filter((l) => l.includes('refused job'))).toHaveLength(3);
    expect(existsSync(join(root, 'outside'))).toBe(false);
    expect(existsSync(join(store, 'evil'))).toBe(false);
  });

  it('resumes a cell from its last checkpoint on another worker after kill -9, with the same numbers', async () => {
    const out = join(store, 'killed');
    const cell = join(out, 'cells', 'mnist-fc-bp-s1');
    const first = startWorker('w-killed', 2);
    const producer = runCli(...cellArgs('bp', out, ['--queue', url, '--checkpoint-every', '4']));
    while (!existsSync(checkpointPath(cell))) await sleep(50);
    first.child.kill('SIGKILL');
    await first.done;
    const second = startWorker('w-later', 2);
    const q = await producer;
    expect(q.code, q.err).toBe(0);
    await stopWorker(second);
    const log = lines(join(cell, 'epochs.jsonl'));
    expect(log.filter((e) => e.event === 'start').map((e) => e.worker)).toEqual(['w-killed', 'w-later']);
    const resumed = log.find((e) => e.event === 'resumed')!;
    expect(resumed.step).toBeGreaterThan(0);
    // Mid-epoch or (on a loaded machine, killed late) after the epoch's last checkpoint.
    expect(q.err).toMatch(/mnist-fc bp s1: resuming( after epoch \d+)? on w-later/);
    // The interrupted cell's numbers equal the uninterrupted local run's.
    const row = (md: string) => md.split('\n').find((l) => l.startsWith('| bp |'));
    expect(row(table(read(join(out, 'results.md'))))).toBe(row(local));
  });

  it('puts a cell back on the queue on Ctrl-C, and stops a cell whose lock was lost; both resume with the same numbers', async () => {
    const out = join(store, 'interrupted');
    const cell = join(out, 'cells', 'mnist-fc-bp-s1');
    const first = startWorker('w-int', 2);
    const producer = runCli(...cellArgs('bp', out, ['--queue', url, '--checkpoint-every', '4']));
    while (!existsSync(checkpointPath(cell))) await sleep(50);
    const stopped = await stopWorker(first);
    expect(stopped.code).toBe(130);
    expect(stopped.err).toMatch(/interrupted\/mnist-fc-bp-s1 put back on the queue/);
    // The next worker has its lock taken away in the middle of the cell (as after a long pause).
    const second = startWorker('w-lock', 2);
    const client = new Redis({ port: redis.port, password: PASSWORD });
    const lockKey = `bull:${QUEUE_NAME}:${jobId('interrupted', 'mnist-fc-bp-s1', 1)}:lock`;
    const resumes = () => lines(join(cell, 'epochs.jsonl')).filter((e) => e.event === 'resumed').length;
    while (resumes() < 1) await sleep(50);
    // Freeze the resumed cell so it cannot finish before the worker notices (it has ~0.5 s of
    // training left), take the lock away, and let it go once the worker has stopped it.
    const pid = Number(lines(join(cell, 'epochs.jsonl')).filter((e) => e.event === 'start').at(-1)!.pid);
    let said = '';
    second.child.stderr!.on('data', (d) => void (said += d));
    process.kill(pid, 'SIGSTOP');
    await client.del(lockKey);
    for (let t = 0; t < 600 && !/stopped: its lock in Redis was lost/.test(said); t++) await sleep(50);
    process.kill(pid, 'SIGCONT');
    const q = await producer;
    client.disconnect();
    expect(q.code, q.err).toBe(0);
    const { err } = await stopWorker(second);
    expect(err).toMatch(/stopped: its lock in Redis was lost/);
    const log = lines(join(cell, 'epochs.jsonl'));
    expect(log.filter((e) => e.event === 'start').map((e) => e.worker)).toEqual(['w-int', 'w-lock', 'w-lock']);
    const row = (md: string) => md.split('\n').find((l) => l.startsWith('| bp |'));
    expect(row(table(read(join(out, 'results.md'))))).toBe(row(local));
  });

  it('keeps the jobs on the queue when the producer is interrupted, and a rerun reattaches to them', async () => {
    const out = join(store, 'reattach');
    const w = startWorker('w-re');
    const first = spawnCli(cellArgs('bp,dfa', out, ['--queue', url]));
    while (!existsSync(join(out, 'cells', 'mnist-fc-bp-s1', 'epochs.jsonl')) && !existsSync(join(out, 'cells', 'mnist-fc-dfa-s1', 'epochs.jsonl'))) await sleep(50);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    expect(stopped.err).toMatch(/the queued cells stay on the queue for the workers, rerun the same command/);
    const again = await runCli(...cellArgs('bp,dfa', out, ['--queue', url]));
    expect(again.code, again.err).toBe(0);
    await stopWorker(w);
    expect(table(read(join(out, 'results.md')))).toBe(local);
    // One job per cell: the rerun found the jobs it had left, it did not add others.
    const client = new Redis({ port: redis.port, password: PASSWORD });
    const queue = new Queue(QUEUE_NAME, { connection: client });
    const jobs = (await queue.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed'], 0, -1)).filter((j) => j.data?.run === 'reattach');
    await queue.close();
    client.disconnect();
    expect(jobs.map((j) => j.id).sort()).toEqual([jobId('reattach', 'mnist-fc-bp-s1', 1), jobId('reattach', 'mnist-fc-dfa-s1', 1)]);
    // Each cell trained once, by the one worker, from the start.
    for (const r of ['bp', 'dfa']) expect(lines(join(out, 'cells', `mnist-fc-${r}-s1`, 'epochs.jsonl')).filter((e) => e.event === 'start')).toHaveLength(1);
  });

  it('loses no finished cell when Redis is killed and restarted in the middle of a run', async () => {
    const out = join(store, 'restart');
    const w = startWorker('w-restart');
    const producer = runCli(...cellArgs('bp,dfa', out, ['--queue', url]));
    const started = (r: string) => existsSync(join(out, 'cells', `mnist-fc-${r}-s1`, 'epochs.jsonl'));
    // One cell finished, the other training: then Redis goes down for a moment.
    while (!(started('bp') && started('dfa'))) await sleep(50);
    await redis.kill('SIGKILL');
    await sleep(1500);
    await redis.restart();
    const q = await producer;
    expect(q.code, q.err).toBe(0);
    await stopWorker(w);
    expect(table(read(join(out, 'results.md')))).toBe(local);
    const status = await runCli('queue', 'status', '--queue', url, '--run', 'restart', '--json');
    expect(JSON.parse(status.out)).toMatchObject({ done: 2, failed: 0, waiting: 0, running: 0 });
    expect(jobId('restart', 'mnist-fc-bp-s1', 1)).toBe('restart~mnist-fc-bp-s1~e1');
  });

  it('fbl bench dispatch measures both executors per cell and cleans up its queue', async () => {
    const r = await runCli('bench', 'dispatch', '--queue', url, '--cells', '12', '--workers', '2', '--json');
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(r.out) as Record<string, number>;
    expect(m).toMatchObject({ cells: 12, workers: 2, failed: 0 });
    expect(m.localMsPerCell).toBeGreaterThan(0);
    expect(m.queueMsPerCell).toBeGreaterThan(0);
    // Adding, taking, locking and finishing a job are each at least one command.
    expect(m.redisCommandsPerCell).toBeGreaterThan(4);
    expect(m.redisBytesInPerCell).toBeGreaterThan(500);
    const client = new Redis({ port: redis.port, password: PASSWORD });
    const keys = await client.keys('bull:fbl-dispatch-*');
    client.disconnect();
    expect(keys).toEqual([]);
  });

  it('runs fbl sweep through the queue with the same ranking as the local pool', async () => {
    const sweepArgs = (out: string) => ['sweep', '--rules', 'bp', '--param', 'lr=0.01,0.1', '--limit', '256', '--epochs', '1', '--out', out];
    const w = startWorker('w-sweep');
    const q = await runCli(...sweepArgs(join(store, 'sweep')), '--queue', url);
    expect(q.code, q.err).toBe(0);
    await stopWorker(w);
    const l = await runCli(...sweepArgs(join(root, 'sweep-local')), '--workers', '2');
    expect(l.code, l.err).toBe(0);
    const ranking = (dir: string) => (JSON.parse(read(join(dir, 'results.json'))) as { trials: unknown[] }).trials;
    expect(ranking(join(store, 'sweep'))).toEqual(ranking(join(root, 'sweep-local')));
    for (const f of files(join(store, 'sweep')).filter((f) => !f.endsWith('.fblc'))) expect(read(f)).not.toContain(PASSWORD);
  });

  it('says so when a worker trained a cell into another store than the producer\'s', async () => {
    const elsewhere = join(root, 'not-shared');
    mkdirSync(elsewhere);
    const w = startWorker('w-elsewhere', 30, elsewhere);
    const q = await runCli('reproduce', '--models', 'mnist-fc', '--rules', 'bp', '--seeds', '1', '--limit', '128', '--epochs', '1', '--depths', '1', '--out', join(store, 'split'), '--queue', url);
    await stopWorker(w);
    expect(q.code).toBe(1);
    expect(q.err).toMatch(/mnist-fc-bp-s1 finished on w-elsewhere, but .* has no record of it: that worker's --store is not this one/);
    expect(existsSync(join(elsewhere, 'split', 'cells', 'mnist-fc-bp-s1', 'epochs.jsonl'))).toBe(true);
  });
});
