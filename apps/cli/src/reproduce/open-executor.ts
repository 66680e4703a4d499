import { localExecutor, type Executor, type ExecutorOptions } from './executor';

/** Where cells run: `--queue` and `--store`, shared by `fbl reproduce` and `fbl sweep`. */
export const EXECUTOR_OPTIONS = {
  queue: { kind: 'string', help: 'redis://[user:password@]host:port[/db] (or rediss:// for TLS): put the cells on this BullMQ queue for `fbl worker` processes on any machine, instead of training them here' },
  store: { kind: 'string', help: 'with --queue: the directory every worker shares (e.g. on NFS) that holds --out (default: the parent directory of --out); workers take --store of the same directory' },
} as const;

/** The local pool, or with `queue` a producer on the BullMQ queue. */
export async function openExecutor(o: ExecutorOptions): Promise<Executor> {
  if (!o.queue) return localExecutor(o.workers);
  const { queueExecutor } = await import('../queue/producer');
  return queueExecutor({ ...o, queue: o.queue });
}

/** How often a queued run looks at the queue's state (cells per worker, ETA). */
const STATUS_EVERY_MS = 30_000;

/**
 * Prints the executor's status line (the queue's cells per worker) when it changed, every 30 s at
 * most; nothing for the local pool. Returns the function that stops it.
 */
export function followStatus(executor: Executor, say: ExecutorOptions['say']): () => void {
  if (!executor.status) return () => {};
  let last = '';
  const timer = setInterval(() => void executor.status!().then((line) => {
    if (line && line !== last) say(line, { event: 'queue-status', line });
    last = line ?? last;
  }), STATUS_EVERY_MS);
  return () => clearInterval(timer);
}
