import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { parseRedisUrl } from '../queue/connection';
import { openQueue } from '../queue/producer';
import { formatStatus, queueStatus } from '../queue/status';
import type { Io } from '../io';

export const QUEUE_OPTIONS = {
  queue: { kind: 'string', help: 'redis://[user:password@]host:port[/db] (or rediss://)' },
  run: { kind: 'string', help: 'only this run (its --out relative to the store, as status lists it)' },
  json: { kind: 'boolean', help: 'print the status as one JSON object' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const USAGE = `usage: fbl queue status --queue redis://host:port [--run NAME] [--json]

Shows the queued cells from any machine: done, running (per worker), failed and waiting, per
run, with the workers connected and an ETA.`;

/** `fbl queue status`: the queue as Redis sees it. */
export async function queueCommand(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, QUEUE_OPTIONS);
  if (o.help) {
    io.out(formatHelp(USAGE, QUEUE_OPTIONS));
    return 0;
  }
  const [action, ...extra] = o._;
  if (action !== 'status') throw new UsageError(action ? `unknown queue action "${action}" (expected status)` : 'queue needs an action: status');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!o.queue) throw new UsageError('queue status needs --queue redis://host:port');
  const { queue, close } = await openQueue(parseRedisUrl(o.queue));
  try {
    const s = await queueStatus(queue, o.run);
    if (o.json) {
      io.out(JSON.stringify(s) + '\n');
      return 0;
    }
    io.out(formatStatus(s) + '\n');
    for (const [run, r] of Object.entries(s.runs)) io.out(`  run ${run}: ${r.done} done, ${r.running} running, ${r.failed} failed, ${r.waiting} waiting\n`);
    for (const [name, w] of Object.entries(s.perWorker)) io.out(`  worker ${name}: ${w.running} running, ${w.done} done, ${w.failed} failed\n`);
    return 0;
  } finally {
    await close();
  }
}
