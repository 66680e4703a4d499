import type { FromWorker, RunInfo, StepRecord } from './protocol';

export interface Series {
  x: number[];
  y: number[];
}

/** Everything the page shows about one training run. */
export interface RunData {
  info: RunInfo;
  loss: Series;
  accuracy: Series;
  samplesPerSec: Series;
  memory: StepRecord[];
  status: 'running' | 'done' | 'stopped' | 'error';
}

/** One row of the summary table. */
export interface RunSummary {
  id: number;
  rule: string;
  backend: string;
  arch: string;
  status: RunData['status'];
  steps: number;
  loss: number;
  firstAccuracy: number;
  accuracy: number;
  /** Median over batches, so the slow profiled steps do not skew it. */
  samplesPerSec: number;
  paramBytes: number;
  /** Engine bytes at the start of the last profiled step: weights, optimizer slots, feedback, batch. */
  residentBytes: number;
  /**
   * Largest peak − start over the profiled steps after the first. Step 0 also allocates the
   * optimizer's slots, which is a one-off, so it counts only while it is the sole record.
   */
  peakTransientBytes: number;
  peakBytes: number;
}

/** Collects the worker's messages into per-run series. Returns true when something changed. */
export function createRunStore() {
  const runs = new Map<number, RunData>();
  const push = (s: Series, x: number, y: number) => {
    s.x.push(x);
    s.y.push(y);
  };
  return {
    runs: (): RunData[] => [...runs.values()],
    clear: () => runs.clear(),
    apply(m: FromWorker): boolean {
      if (m.type === 'runStart') {
        runs.set(m.run.id, { info: m.run, loss: series(), accuracy: series(), samplesPerSec: series(), memory: [], status: 'running' });
        return true;
      }
      if (!('id' in m)) return false;
      const r = runs.get(m.id);
      if (!r) return false;
      switch (m.type) {
        case 'batch':
          push(r.loss, m.step, m.loss);
          push(r.samplesPerSec, m.step, m.samplesPerSec);
          return true;
        case 'eval':
          if (r.accuracy.x[r.accuracy.x.length - 1] === m.step) return false;
          push(r.accuracy, m.step, m.testAccuracy);
          return true;
        case 'memory':
          r.memory.push(m.record);
          return true;
        case 'runEnd':
          r.status = m.reason;
          return true;
        default:
          return false;
      }
    },
  };
}

export function summarize(r: RunData): RunSummary {
  const last = (s: Series) => (s.y.length ? s.y[s.y.length - 1]! : NaN);
  const lastMem = r.memory[r.memory.length - 1];
  const steady = r.memory.length > 1 ? r.memory.filter((m) => m.step > 0) : r.memory;
  return {
    id: r.info.id, rule: r.info.rule, backend: r.info.backend, arch: r.info.arch, status: r.status,
    steps: r.loss.x.length ? r.loss.x[r.loss.x.length - 1]! : 0,
    loss: last(r.loss),
    firstAccuracy: r.accuracy.y.length ? r.accuracy.y[0]! : NaN,
    accuracy: last(r.accuracy),
    samplesPerSec: median(r.samplesPerSec.y),
    paramBytes: r.info.paramBytes,
    residentBytes: lastMem?.startBytes ?? NaN,
    peakTransientBytes: steady.length ? Math.max(...steady.map((m) => m.transientBytes)) : NaN,
    peakBytes: r.memory.length ? Math.max(...r.memory.map((m) => m.peakBytes)) : NaN,
  };
}

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function series(): Series {
  return { x: [], y: [] };
}
