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
