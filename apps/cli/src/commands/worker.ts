import { existsSync, statSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { FblError } from '@feedback-lab/core';
import { CIFAR10_FILES } from '@feedback-lab/datasets';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { isFinished, prepareCell, readCellLog } from '../reproduce/cell-log';
import { localExecutor } from '../reproduce/executor';
import { lastLine } from '../reproduce/tasks';
import { formatDuration } from '../reproduce/progress';
import { QUEUE_NAME, ensureReachable, parseRedisUrl, redact, redisClient } from '../queue/connection';
import { validateJob, type CellJobData } from '../queue/job';
import type { CellProgress, CellReturn } from '../queue/status';
import type { Io } from '../io';
import { prepareOutputDir } from '../fs-errors';

export const WORKER_OPTIONS = {
  queue: { kind: 'string', help: 'redis://[user:password@]host:port[/db] (or rediss://): the queue of `fbl reproduce --queue` and `fbl sweep --queue`' },
  store: { kind: 'string', help: 'the shared directory the producers\' --out lie in (their --store); cells are read and written only below it' },
  concurrency: { kind: 'int', default: 1, min: 1, help: 'cells trained at once on this machine, one process each' },
  threads: { kind: 'int', min: 1, help: 'wasm threads per cell (default: the cores divided among the cells)' },
  'data-dir': { kind: 'string', help: 'this machine\'s CIFAR-10 binary batches, for cifar-conv cells' },
  name: { kind: 'string', help: 'this worker\'s name in status and logs (default host:pid)' },
  'stall-seconds': { kind: 'int', default: 30, min: 1, help: 'a cell whose worker has not renewed its lock for this long (killed, machine lost) goes to another worker' },
  json: { kind: 'boolean', help: 'print events as JSON lines on stdout' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const USAGE = `usage: fbl worker --queue redis://host:port --store DIR [--concurrency N] [--threads N]

Takes cells from the queue and trains each as \`fbl train --checkpoint-dir\` in its directory in
the store, resuming from the cell's last checkpoint when another worker was lost in the middle
of it. Start any number of workers, on any machines that share the store. Ctrl-C puts the cells
in training back on the queue (their checkpoints kept) and exits.`;

/** How long an interrupted worker waits for its jobs to be back on the queue before it exits anyway. */
const CLOSE_MS = 10_000;
/** How long a cell this worker cannot train (no CIFAR-10 here) waits before any worker looks again. */
const DEFER_MS = 15_000;
/** How often a running cell's epoch count is read from its log (and copied into its job when it changed). */
const PROGRESS_MS = 2000;

/** `fbl worker`: trains queued cells until interrupted. */
export async function worker(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, WORKER_OPTIONS);
  if (o.help) {
    io.out(formatHelp(USAGE, WORKER_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  if (!o.queue) throw new UsageError('worker needs --queue redis://host:port');
  if (!o.store) throw new UsageError('worker needs --store DIR: the directory its producers\' --out lie in');
  const target = parseRedisUrl(o.queue);
  const store = resolve(o.store);
  if (!existsSync(store)) throw new FblError('DATA_MISSING', `--store ${store} does not exist: give the shared directory the producers write into`);
  if (!statSync(store).isDirectory()) throw new FblError('DATA_MISSING', `--store ${store} is a file, not a directory: give the shared directory the producers write into`);
  prepareOutputDir(store, '--store'); // cells are written below it: a read-only store fails now
  const dataDir = o['data-dir'] && resolve(o['data-dir']);
  if (dataDir && !existsSync(join(dataDir, CIFAR10_FILES.test))) throw new FblError('DATA_MISSING', `--data-dir ${dataDir} has no ${CIFAR10_FILES.test}: give the directory of the CIFAR-10 binary batches`);
  const concurrency = o.concurrency!;
  const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / concurrency));
  const name = o.name ?? `${hostname()}:${process.pid}`;
  if (!/^[\w.:@-]{1,64}$/.test(name)) throw new UsageError('--name must be 1-64 letters, digits and . : @ - _');
  const say = (text: string, json: object) => (o.json ? io.out(JSON.stringify({ ...json, worker: name }) + '\n') : io.err.write(`worker ${name}: ${text}\n`));
  const client = redisClient(target, true);
  await ensureReachable(client, target);
  const pool = localExecutor(concurrency);
  let stopping = false;
  const deferred = new Set<string>();

  async function processCell(job: Job<CellJobData>, token?: string, signal?: AbortSignal): Promise<CellReturn> {
    if (stopping) {
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    let cell: ReturnType<typeof validateJob>;
    try {
      cell = validateJob(job.data, store);
      if (cell.data.config.dataset === 'cifar10' && !dataDir) {
        // Another worker may have the data: leave the cell to it, and say so once.
        if (!deferred.has(job.id!)) say(`left ${job.id} to other workers: this one has no --data-dir for CIFAR-10 (start it with --data-dir DIR)`, { event: 'deferred', job: job.id });
        deferred.add(job.id!);
        await job.moveToDelayed(Date.now() + DEFER_MS, token);
        throw new DelayedError();
      }
      prepareCell({ id: cell.data.id, dir: cell.dir, config: cell.data.config, epochs: cell.data.epochs });
    } catch (err) {
      if (!(err instanceof UsageError || err instanceof FblError)) throw err;
      say(`refused job ${job.id}: ${err.message}`, { event: 'refused', job: job.id, reason: err.message });
      throw new UnrecoverableError(`refused by worker ${name}: ${err.message}`);
    }
    const { data, dir } = cell;
    const label = `${data.run}/${data.id}`;
    const t0 = Date.now();
    const cellOf = { id: data.id, dir, config: data.config, epochs: data.epochs };
    const start = readCellLog(dir);
    // Finished by a worker whose completion Redis did not keep (restarted, or the lock lapsed).
    if (isFinished(cellOf, start)) {
      say(`${label} was finished already`, { event: 'cell-done', run: data.run, cell: data.id, seconds: 0, already: true });
      return { worker: name, seconds: 0, ...(start.epochs.length ? { testAccuracy: start.epochs.at(-1)!.testAccuracy } : {}) };
    }
    const before = start.epochs.length;
    say(`${label} ${before ? `resuming after epoch ${before}` : 'started'}`, { event: 'cell-start', run: data.run, cell: data.id, fromEpoch: before });
    // Written when the cell starts and when its epoch count changes: one Redis command an epoch.
    let reported = -1;
    const progress = async () => {
      const epoch = readCellLog(dir).epochs.length;
      if (epoch === reported) return;
      reported = epoch;
      await job.updateProgress({ worker: name, epoch, epochs: data.epochs } satisfies CellProgress).catch(() => {});
    };
    await progress();
    const timer = setInterval(() => void progress(), PROGRESS_MS);
    try {
      const r = await pool.run({ kind: 'cell', id: data.id, dir, config: data.config, epochs: data.epochs, checkpointEvery: data.checkpointEvery, threads, worker: name, ...(dataDir ? { dataDir } : {}) }, signal);
      const log = readCellLog(dir);
      if (signal?.aborted && !stopping) {
        // The lock lapsed (a long pause, Redis lost it): the job may be another worker's now, and
        // two processes must not train one cell. Its checkpoint is in the store for whoever resumes.
        say(`${label} stopped: its lock in Redis was lost, so another worker may have it`, { event: 'cell-lock-lost', run: data.run, cell: data.id });
        throw new Error(`worker ${name} lost the lock of ${label}`);
      }
      if (stopping) {
        // Back on the queue at once for another worker; the checkpoint is in the store.
        await job.moveToDelayed(Date.now(), token);
        say(`${label} put back on the queue (interrupted)`, { event: 'cell-requeued', run: data.run, cell: data.id });
        throw new DelayedError();
      }
      if (r.code !== 0 || !isFinished(cellOf, log)) {
        const reason = lastLine(r.err) || `the cell stopped with exit code ${r.code}`;
        say(`${label} failed: ${reason}`, { event: 'cell-failed', run: data.run, cell: data.id, error: reason });
        throw new UnrecoverableError(reason);
      }
      const last = log.epochs.at(-1);
      const seconds = (Date.now() - t0) / 1000;
      say(`${label} done: test ${last ? (last.testAccuracy * 100).toFixed(2) : '?'}% in ${formatDuration(seconds)}`, { event: 'cell-done', run: data.run, cell: data.id, seconds, testAccuracy: last?.testAccuracy });
      return { worker: name, seconds, ...(last ? { testAccuracy: last.testAccuracy } : {}) };
    } finally {
      clearInterval(timer);
    }
  }

  const w = new Worker<CellJobData, CellReturn>(QUEUE_NAME, processCell, {
    connection: client, concurrency, name,
    lockDuration: o['stall-seconds']! * 1000, stalledInterval: o['stall-seconds']! * 1000,
    // A lost machine is expected here, not a poisoned job: give a cell to other workers many times.
    maxStalledCount: 20,
  });
  w.on('lockRenewalFailed', (ids) => {
    for (const id of ids) w.cancelJob(id, 'lock lost');
  });
  // Connection errors repeat at every retry while Redis is down: say each kind once until it is back.
  let lastError = '';
  w.on('error', (err) => {
    if (/could not renew lock/.test(err.message)) return; // lockRenewalFailed above
    const msg = redact(err.message);
    if (msg !== lastError) say(`queue ${target.safe}: ${msg}; retrying`, { event: 'queue-error', error: msg });
    lastError = msg;
  });
  client.on('ready', () => {
    if (lastError) say(`queue ${target.safe} reachable again`, { event: 'queue-up' });
    lastError = '';
  });
  say(`taking cells from ${target.safe} (${QUEUE_NAME}), ${concurrency} at a time, ${threads} thread(s) each; store ${store}`, { event: 'worker-start', queue: target.safe, concurrency, threads, store });
  return new Promise<number>((resolveExit) => {
    const stop = () => {
      if (stopping) process.exit(130);
      stopping = true;
      say('interrupted: putting running cells back on the queue (Ctrl-C again to quit at once)', { event: 'interrupted' });
      void (async () => {
        // close() first: from now on no job is taken. Then the cells stop, their jobs go back on
        // the queue, and close() returns once they have. Bounded, so Ctrl-C always ends the worker.
        const closing = w.close();
        await pool.destroy();
        await Promise.race([closing, new Promise((r) => setTimeout(r, CLOSE_MS).unref())]);
        client.disconnect();
        resolveExit(130);
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

