import { dirname, join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { FblError } from '@feedback-lab/core';
import { isFinished, readCellLog } from '../reproduce/cell-log';
import { localExecutor, type Executor, type ExecutorOptions } from '../reproduce/executor';
import type { CellTask, TaskResult } from '../reproduce/tasks';
import { QUEUE_NAME, ensureReachable, parseRedisUrl, redact, redisClient, type RedisTarget } from './connection';
import { jobData, jobId, runName, type CellJobData } from './job';
import { formatStatus, queueStatus } from './status';

const KEEP = { age: 30 * 24 * 3600 };
const POLLS_PER_SECOND = 100;

/** The queue on a client that answered; close() closes both. */
export async function openQueue(target: RedisTarget, name = QUEUE_NAME): Promise<{ queue: Queue<CellJobData>; close: () => Promise<void> }> {
  const client = redisClient(target, false);
  await ensureReachable(client, target);
  const queue = new Queue<CellJobData>(name, { connection: client });
  // Errors are seen where commands fail (retrying below); without a listener they would throw.
  queue.on('error', () => {});
  client.on('error', () => {});
  return { queue, close: async () => {
    await queue.close().catch(() => {});
    client.disconnect();
  } };
}

/**
 * The executor of `--queue`: each cell becomes a BullMQ job (its validated config, run name and
 * cell id) for `fbl worker` processes, and run() resolves when the job is completed or failed.
 * Job ids are fixed by run, cell and epoch count, so a restarted producer reattaches to the jobs
 * it left; a finished job of an unfinished cell (the store was reset) is replaced, and a job
 * Redis lost is queued again. Other tasks (the memory-vs-depth sweep) run on this machine.
 */
export async function queueExecutor(o: ExecutorOptions & { queue: string; queueName?: string }): Promise<Executor> {
  const target = parseRedisUrl(o.queue);
  const store = resolve(o.store ?? dirname(o.out));
  const run = runName(store, o.out);
  const { queue, close } = await openQueue(target, o.queueName);
  let pending = 0;
  let local: Executor | undefined;
  let stopped = false;
  let slots = 1;
  let down = false;
  const wakers = new Set<() => void>();
  const sleep = (ms: number) => new Promise<void>((r) => {
    const t = setTimeout(() => (wakers.delete(wake), r()), ms);
    const wake = () => (clearTimeout(t), wakers.delete(wake), r());
    wakers.add(wake);
  });
  /** Runs `f` until Redis answers, saying once that it is unreachable and once that it is back. */
  async function retrying<T>(f: () => Promise<T>): Promise<T | undefined> {
    while (!stopped) {
      try {
        const v = await f();
        if (down) o.say(`queue: ${target.safe} reachable again`, { event: 'queue-up' });
        down = false;
        return v;
      } catch (err) {
        if (!down) o.say(`queue: ${target.safe} unreachable (${redact((err as Error).message)}); retrying`, { event: 'queue-down' });
        down = true;
        await sleep(1000);
      }
    }
    return undefined;
  }
  async function submit(task: CellTask, id: string): Promise<void> {
    const job = await queue.getJob(id);
    if (job) {
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed') return;
      await job.remove();
    }
    await queue.add('cell', jobData(task, run), { jobId: id, attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
  }
  async function runCell(task: CellTask): Promise<TaskResult> {
    if (resolve(task.dir) !== join(resolve(o.out), 'cells', task.id)) throw new FblError('INVALID_OPTION', `cell ${task.id} is not in ${o.out}/cells`);
    const id = jobId(run, task.id, task.epochs);
    await retrying(() => submit(task, id));
    pending++;
    try {
      return await follow(task, id);
    } finally {
      pending--;
    }
  }
  /**
   * Polls the job's state until it ends. Each job is asked every second, or less often with many
   * jobs in flight, so the producer sends Redis at most POLLS_PER_SECOND requests a second.
   */
  async function follow(task: CellTask, id: string): Promise<TaskResult> {
    while (!stopped) {
      const state = await retrying(() => queue.getJobState(id));
      if (state === 'completed') {
        if (isFinished(task, readCellLog(task.dir))) return { code: 0, err: '' };
        // Trained somewhere this producer cannot see: the worker's --store is another directory.
        const job = await retrying(() => queue.getJob(id));
        const worker = (job?.returnvalue as { worker?: string } | undefined)?.worker ?? 'a worker';
        return { code: 1, err: `fbl: ${task.id} finished on ${worker}, but ${task.dir} has no record of it: that worker's --store is not this one (it must be a directory every machine shares)` };
      }
      if (state === 'failed') {
        const job = await retrying(() => queue.getJob(id));
        return { code: 1, err: `fbl: ${job?.failedReason ?? 'failed'}` };
      }
      // Redis lost the job (restarted without its append-only file, or flushed): queue it again.
      if (state === 'unknown') await retrying(() => submit(task, id));
      await sleep(Math.max(1000, (1000 * pending) / POLLS_PER_SECOND));
    }
    return { code: 130, err: 'interrupted' };
  }
  return {
    slots: () => slots,
    run: (task) => (task.kind === 'command' ? (local ??= localExecutor(1)).run(task) : runCell(task)),
    async status() {
      const s = await retrying(() => queueStatus(queue, run));
      if (!s) return undefined;
      slots = Math.max(1, s.workers, s.running);
      return formatStatus(s);
    },
    async destroy() {
      stopped = true;
      for (const wake of [...wakers]) wake();
      await local?.destroy();
      await close();
    },
  };
}
