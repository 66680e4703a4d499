import type { Job, Queue } from 'bullmq';
import { formatDuration } from '../reproduce/progress';
import type { CellJobData } from './job';

/** What a worker reports while a cell trains (job.updateProgress). */
export interface CellProgress {
  worker: string;
  epoch: number;
  epochs: number;
}

/** What a worker returns for a finished cell. */
export interface CellReturn {
  worker: string;
  seconds: number;
  testAccuracy?: number;
}

export interface QueueStatus {
  done: number;
  running: number;
  failed: number;
  waiting: number;
  /** Running and finished cells per worker name. */
  perWorker: Record<string, { running: number; done: number; failed: number }>;
  /** Workers connected to the queue now. */
  workers: number;
  etaSeconds?: number;
  /** Runs (store-relative directories) with their own counts, when not filtered by one. */
  runs: Record<string, { done: number; running: number; failed: number; waiting: number }>;
}

type StateName = 'done' | 'running' | 'failed' | 'waiting';
const STATES: [string, StateName][] = [['completed', 'done'], ['active', 'running'], ['failed', 'failed'], ['waiting', 'waiting'], ['delayed', 'waiting'], ['prioritized', 'waiting'], ['paused', 'waiting']];

/**
 * The queue's cells by state, per worker and per run (only `run`'s when given), read from
 * Redis alone, so any machine can ask. The ETA charges each waiting cell (and half of each
 * running one) with the mean wall time of the finished ones, shared among the workers.
 */
export async function queueStatus(queue: Queue<CellJobData>, run?: string): Promise<QueueStatus> {
  const s: QueueStatus = { done: 0, running: 0, failed: 0, waiting: 0, perWorker: {}, workers: 0, runs: {} };
  const seconds: number[] = [];
  for (const [state, name] of STATES) {
    const jobs = (await queue.getJobs([state as never], 0, -1)).filter((j): j is Job<CellJobData> => !!j && (!run || j.data?.run === run));
    for (const j of jobs) {
      s[name]++;
      const r = (s.runs[j.data?.run ?? '?'] ??= { done: 0, running: 0, failed: 0, waiting: 0 });
      r[name]++;
      const worker = name === 'running' ? (j.progress as Partial<CellProgress> | undefined)?.worker ?? j.processedBy : j.processedBy;
      if (worker && name !== 'waiting') {
        const w = (s.perWorker[worker] ??= { running: 0, done: 0, failed: 0 });
        w[name]++;
      }
      const secs = (j.returnvalue as Partial<CellReturn> | null)?.seconds;
      if (name === 'done' && typeof secs === 'number') seconds.push(secs);
    }
  }
  s.workers = (await queue.getWorkers()).length;
  const slots = Math.max(1, s.workers, s.running);
  if (seconds.length && (s.waiting || s.running)) {
    const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
    s.etaSeconds = Math.round(((s.waiting + s.running / 2) * mean) / slots);
  }
  return s;
}

/** One line: "queue: 3 done · 2 running (a:12 ×1, b:40 ×1) · 0 failed · 7 waiting · 2 workers · ETA 5 min". */
export function formatStatus(s: QueueStatus): string {
  const running = Object.entries(s.perWorker).filter(([, w]) => w.running).map(([name, w]) => `${name} ×${w.running}`);
  return `queue: ${s.done} done · ${s.running} running${running.length ? ` (${running.join(', ')})` : ''} · ${s.failed} failed · ${s.waiting} waiting · ` +
    `${s.workers} worker(s) connected${s.etaSeconds !== undefined ? ` · ETA ${formatDuration(s.etaSeconds)}` : ''}`;
}
