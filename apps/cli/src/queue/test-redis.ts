import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A real redis-server for tests, on a free localhost port with its append-only file in `dir`.
 * Without redis-server on PATH, `available` is false: the queue tests are skipped with a notice,
 * unless FBL_REQUIRE_REDIS=1 (set by .ci/run, which installs it), where they fail instead.
 */
export const redisAvailable = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
if (!redisAvailable && process.env.FBL_REQUIRE_REDIS === '1') throw new Error('redis-server is not on PATH: apt-get install redis-server (FBL_REQUIRE_REDIS=1 forbids skipping the queue tests)');
if (!redisAvailable) console.warn('queue tests skipped: no redis-server on PATH (apt-get install redis-server)');

export interface TestRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL by default) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and directory (the append-only file is replayed). */
  restart(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server in `dir` (extra config lines such as `requirepass x` in `config`). */
export async function startRedis(dir: string, config: string[] = []): Promise<TestRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', ...config.flatMap((l) => l.split(' ').map((w, i) => (i === 0 ? `--${w}` : w)))];
    const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const onData = (d: Buffer) => {
        log += String(d);
        if (log.includes('Ready to accept connections')) resolve();
      };
      c.stdout!.on('data', onData);
      c.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${log.slice(-400)}`)));
    });
  };
  await start();
  return {
    port, url: `redis://127.0.0.1:${port}`,
    async kill(signal = 'SIGKILL') {
      const c = child!;
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      await exited;
    },
    restart: start,
  };
}
