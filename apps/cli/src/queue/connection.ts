import { Redis } from 'ioredis';
import { FblError } from '@feedback-lab/core';
import { UsageError } from '../args';

/** The BullMQ queue every producer and worker of this version meets on. */
export const QUEUE_NAME = 'fbl-cells';

export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL with any user and password replaced by "***": the only form that is ever printed. */
  safe: string;
}

/**
 * Parses `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Errors name the
 * URL without its credentials.
 */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not echoed: a malformed URL may still hold a password.
    throw new UsageError('--queue must be redis://[user:password@]host:port[/db] or rediss://…; the value given is not a URL');
  }
  const safe = redact(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`--queue must start with redis:// or rediss://; got "${safe}"`);
  if (!url.hostname) throw new UsageError(`--queue has no host: "${safe}"`);
  if (url.search || url.hash) throw new UsageError(`--queue takes no query or fragment: "${safe}"`);
  const port = url.port ? Number(url.port) : 6379;
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText && !/^\d{1,2}$/.test(dbText)) throw new UsageError(`--queue: the database after the port must be a number (0-99); got "/${dbText}" in "${safe}"`);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, db: dbText ? Number(dbText) : 0,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    tls: url.protocol === 'rediss:', safe,
  };
}

/** `text` with the user and password of every URL in it replaced by "***". */
export function redact(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1***@');
}

/**
 * A Redis client for BullMQ (which leaves ioredis to the application under ESM). `blocking`: a worker's connection, which must retry its
 * commands forever (BullMQ requires maxRetriesPerRequest null); a producer's commands fail
 * after a few retries instead, so it can say the queue is unreachable and try again.
 */
export function redisClient(t: RedisTarget, blocking: boolean): Redis {
  return new Redis({
    host: t.host, port: t.port, db: t.db,
    ...(t.username ? { username: t.username } : {}),
    ...(t.password ? { password: t.password } : {}),
    ...(t.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: blocking ? null : 3,
    // Reconnect every second at most, forever: a restarted Redis is found again.
    retryStrategy: (times: number) => Math.min(200 * times, 1000),
  });
}

/** How long to wait for Redis when a command starts before saying it cannot be reached. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Waits for `client` to answer a PING; one line naming the URL (without credentials) and the
 * reason when it does not within a few seconds. The client is disconnected on failure.
 */
export async function ensureReachable(client: Redis, t: RedisTarget): Promise<void> {
  let lastError = '';
  const onError = (err: Error) => void (lastError = err.message);
  client.on('error', onError);
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), CONNECT_TIMEOUT_MS).unref());
  const ping = client.ping().then(() => 'ok' as const, (err: Error) => ((lastError ||= err.message), 'failed' as const));
  const r = await Promise.race([ping, timeout]);
  client.off('error', onError);
  if (r !== 'ok') {
    client.disconnect();
    throw new FblError('DATA_MISSING', `cannot reach the queue at ${t.safe}${lastError ? ` (${redact(lastError)})` : ''}: start redis-server there or fix --queue`);
  }
}
