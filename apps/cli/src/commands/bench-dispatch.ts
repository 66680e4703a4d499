import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { cellLogPath } from '../reproduce/cell-log';
import { createPool } from '../reproduce/pool';
import { planCells } from '../reproduce/plan';
import type { CellTask, TaskResult } from '../reproduce/tasks';
import { parseRedisUrl, redisClient, ensureReachable } from '../queue/connection';
import { validateJob, type CellJobData } from '../queue/job';
import { queueExecutor } from '../queue/producer';
import type { Io } from '../io';
import { prepareOutputDir } from '../fs-errors';

export const DISPATCH_OPTIONS = {
  queue: { kind: 'string', help: 'redis://host:port of a Redis to measure against (a queue of its own is used and removed)' },
  cells: { kind: 'int', default: 1000, min: 1, help: 'tiny cells (no training) dispatched through each executor' },
  workers: { kind: 'int', default: 4, min: 1, help: 'local pool processes, and queue workers' },
  json: { kind: 'boolean', help: 'print the result as one JSON object' },
  out: { kind: 'string', help: 'also write dispatch.json and dispatch.txt here' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const USAGE = `usage: fbl bench dispatch --queue redis://host:port [--cells 1000] [--workers 4]

What an executor costs per cell, without the cell's training: the local pool (a fresh process per
cell, as fbl reproduce runs them) against the queue (producer → Redis → worker → Redis → producer,
with the real job payload, validation and polling). Prints ms per cell, Redis commands and bytes
per cell, and Redis memory per finished job kept.`;

interface RedisCounters { calls: number; netIn: number; netOut: number; memory: number }

async function counters(info: () => Promise<string>): Promise<RedisCounters> {
  const text = await info();
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const calls = [...text.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
  return { calls, netIn: field('total_net_input_bytes'), netOut: field('total_net_output_bytes'), memory: field('used_memory') };
}

/** `fbl bench dispatch`: per-cell overhead of the local pool and of the queue. */
export async function benchDispatch(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, DISPATCH_OPTIONS);
  if (o.help) {
    io.out(formatHelp(USAGE, DISPATCH_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  if (o.out) prepareOutputDir(o.out, '--out'); // before the work, not after it
  if (!o.queue) throw new UsageError('bench dispatch needs --queue redis://host:port');
  const target = parseRedisUrl(o.queue);
  const n = o.cells!;
  const workers = o.workers!;
  const root = mkdtempSync(join(tmpdir(), 'fbl-dispatch-'));
  const store = join(root, 'store');
  const out = join(store, 'bench');
  // Real cells' configs (the mnist-fc presets), repeated over seeds to make n distinct cells.
  const rules = ['bp', 'fa', 'dfa', 'mem-dfa', 'drtp', 'sign-symmetry'];
  const cells = planCells({ out, models: ['mnist-fc'], rules, seeds: Array.from({ length: Math.ceil(n / rules.length) }, (_, i) => i + 1) }).slice(0, n);
  const tasks: CellTask[] = cells.map((c) => ({ kind: 'cell', id: c.id, dir: c.dir, config: c.config, epochs: c.epochs, checkpointEvery: 200, threads: 1 }));
  const log = (line: string) => io.err.write(line + '\n');
  try {
    // The local pool: a fresh process per cell, with the CLI's loader, doing nothing.
    log(`local pool: ${n} cells over ${workers} processes…`);
    const pool = createPool(workers, new URL('../queue/noop-task.ts', import.meta.url).href);
    let t0 = performance.now();
    await Promise.all(tasks.map((t) => pool.run(t) as Promise<TaskResult>));
    const localMs = (performance.now() - t0) / n;
    await pool.destroy();

    // The queue: the real producer and job payload; workers that validate each job and return.
    log(`queue: ${n} cells over ${workers} workers…`);
    const name = `fbl-dispatch-${process.pid}`;
    const admin = redisClient(target, false);
    await ensureReachable(admin, target);
    const info = () => admin.info('all') as Promise<string>;
    const clients = Array.from({ length: workers }, () => redisClient(target, true));
    const ws = clients.map((c, i) => new Worker<CellJobData>(name, (job) => {
      const { data, dir } = validateJob(job.data, store);
      // What a trained cell leaves in the store, which the producer checks: its epochs.
      mkdirSync(dir, { recursive: true });
      for (let epoch = 1; epoch <= data.epochs; epoch++) appendFileSync(cellLogPath(dir), JSON.stringify({ event: 'epoch', epoch, testAccuracy: 0, time: Date.now() }) + '\n');
      return Promise.resolve({ worker: `bench-${i}`, seconds: 0 });
    }, { connection: c, concurrency: 1, name: `bench-${i}` }));
    mkdirSync(out, { recursive: true });
    const before = await counters(info);
    const exec = await queueExecutor({ workers, queue: o.queue, out, store, say: () => {}, queueName: name });
    t0 = performance.now();
    const results = await Promise.all(tasks.map((t) => exec.run(t)));
    const queueMs = (performance.now() - t0) / n;
    const after = await counters(info);
    await exec.destroy();
    await Promise.all(ws.map((w) => w.close()));
    const failed = results.filter((r) => r.code !== 0).length;
    // Clean up the bench's own queue.
    const q = new Queue(name, { connection: admin });
    await q.obliterate({ force: true });
    await q.close();
    for (const c of clients) c.disconnect();
    admin.disconnect();
    const result = {
      cells: n, workers, failed,
      localMsPerCell: round(localMs), queueMsPerCell: round(queueMs), queueVsLocal: round(queueMs / localMs),
      redisCommandsPerCell: round((after.calls - before.calls) / n), redisBytesInPerCell: Math.round((after.netIn - before.netIn) / n),
      redisBytesOutPerCell: Math.round((after.netOut - before.netOut) / n), redisMemoryPerKeptJob: Math.round((after.memory - before.memory) / n),
    };
    const text = [
      `dispatch of ${n} tiny cells (no training) over ${workers} workers:`,
      `  local pool (fresh process per cell): ${result.localMsPerCell} ms/cell`,
      `  queue (producer → Redis → worker → producer): ${result.queueMsPerCell} ms/cell (${result.queueVsLocal}× the local pool)${failed ? `, ${failed} failed` : ''};`,
      '    a queue worker also starts a process per cell, so a queued cell costs the sum of the two',
      `  Redis per cell: ${result.redisCommandsPerCell} commands, ${result.redisBytesInPerCell} bytes in, ${result.redisBytesOutPerCell} bytes out; ${result.redisMemoryPerKeptJob} bytes of memory per finished job kept`,
    ].join('\n') + '\n';
    if (o.json) io.out(JSON.stringify(result) + '\n');
    else io.out(text);
    if (o.out) {
      mkdirSync(o.out, { recursive: true });
      writeFileSync(join(o.out, 'dispatch.json'), JSON.stringify(result, null, 2) + '\n');
      writeFileSync(join(o.out, 'dispatch.txt'), text);
    }
    return failed ? 1 : 0;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
