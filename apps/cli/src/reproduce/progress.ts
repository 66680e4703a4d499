import { isFinished, readCellLog, type CellLog } from './cell-log';
import { epochWork, type Cell } from './plan';
import { lrLabel } from '../lr-label';

export interface ProgressOptions {
  cells: readonly Cell[];
  /** Cells trained at once (a queue's changes as workers come and go). */
  workers: number | (() => number);
  /** Receives one finished line (text, or a JSON object with --json). */
  write: (line: string) => void;
  json: boolean;
  now?: () => number;
}

/**
 * Follows the cells' epochs.jsonl files (written by the workers, so this works for any pool
 * runtime) and reports each start, epoch and failure with an ETA. The ETA charges every
 * remaining epoch with its model's measured wall seconds per unit of work (epochWork), or the
 * mean over all models before that model has finished an epoch, shared among the workers.
 */
export function progressReporter(o: ProgressOptions) {
  const now = o.now ?? (() => Date.now());
  const state = new Map(o.cells.map((c, i) => [c.id, { cell: c, index: i + 1, initialStarts: 0, starts: 0, epochs: 0, done: false, log: readCellLog(c.dir) }]));
  for (const s of state.values()) {
    // What was there before this run is history: report only what happens from now on.
    s.initialStarts = s.starts = s.log.starts.length;
    s.epochs = s.log.epochs.length;
    s.done = isFinished(s.cell, s.log);
  }
  const label = (s: { cell: Cell; index: number }) =>
    `cell ${s.index}/${o.cells.length} ${s.cell.config.model} ${s.cell.config.rule} s${s.cell.config.seed}`;
  const doneCount = () => [...state.values()].filter((s) => s.done).length;
  const emit = (text: string, json: object) => o.write(o.json ? JSON.stringify(json) : text);

  function eta(): number | undefined {
    const spent = new Map<string, { secs: number; work: number }>();
    const add = (key: string, secs: number, work: number) => {
      const t = spent.get(key) ?? { secs: 0, work: 0 };
      spent.set(key, { secs: t.secs + secs, work: t.work + work });
    };
    for (const s of state.values()) {
      for (const d of epochDurations(s.log)) {
        add(s.cell.config.model, d, epochWork(s.cell.config));
        add('*', d, epochWork(s.cell.config));
      }
    }
    const all = spent.get('*');
    if (!all) return undefined;
    const rate = (model: string) => {
      const t = spent.get(model) ?? all;
      return t.secs / t.work;
    };
    let total = 0;
    let longest = 0;
    for (const s of state.values()) {
      if (s.done) continue;
      const left = Math.max(0, s.cell.epochs - s.log.epochs.length) * epochWork(s.cell.config) * rate(s.cell.config.model);
      // A cell started in this run and not failed is training now: part of its epoch is behind it.
      const running = s.log.starts.length > s.initialStarts && s.log.failure === undefined;
      const lastMark = Math.max(...s.log.starts, ...s.log.epochs.map((e) => e.time));
      const inFlight = running ? Math.min((now() - lastMark) / 1000, 0.9 * left) : 0;
      total += left - inFlight;
      longest = Math.max(longest, left - inFlight);
    }
    return Math.max(total / (typeof o.workers === 'number' ? o.workers : o.workers()), longest);
  }

  return {
    /** Reads the logs of unfinished cells and reports what is new. */
    poll(): void {
      for (const s of state.values()) {
        if (s.done) continue;
        s.log = readCellLog(s.cell.dir);
        if (s.log.starts.length > s.starts) {
          s.starts = s.log.starts.length;
          const from = s.log.epochs.length;
          const where = s.log.worker ? ` on ${s.log.worker}` : '';
          emit(`${label(s)}: ${from ? `resuming after epoch ${from}` : s.log.starts.length > 1 ? 'resuming' : 'started'}${where} (${s.cell.config.optimizer} lr ${lrLabel(s.cell.config.lr, s.cell.config.lrDecaySteps)}, batch ${s.cell.config.batchSize}, ${s.cell.epochs} epoch(s))`,
            { event: 'cell-start', cell: s.cell.id, index: s.index, total: o.cells.length, fromEpoch: from, ...(s.log.worker ? { worker: s.log.worker } : {}) });
        }
        for (const e of s.log.epochs.slice(s.epochs)) {
          s.epochs = s.log.epochs.length;
          s.done = isFinished(s.cell, s.log);
          const left = eta();
          emit(`${label(s)} epoch ${e.epoch}/${s.cell.epochs}  test ${(e.testAccuracy * 100).toFixed(2)}%  loss ${e.loss.toFixed(4)}  ` +
            `${Math.round(e.samplesPerSec)} samples/s${e.resumed ? ' (resumed)' : ''}  · ${doneCount()}/${o.cells.length} cells done · ETA ${left === undefined ? '…' : formatDuration(left)}`,
          { event: 'epoch', cell: s.cell.id, model: s.cell.config.model, rule: s.cell.config.rule, seed: s.cell.config.seed, epochs: s.cell.epochs, ...e,
            cellsDone: doneCount(), cells: o.cells.length, ...(left !== undefined ? { etaSeconds: Math.round(left) } : {}) });
        }
      }
    },
    /** Reports a cell whose worker failed (its error line), after a last poll. */
    failed(cell: Cell, error: string): void {
      const s = state.get(cell.id)!;
      emit(`${label(s)} failed: ${error}`, { event: 'cell-failed', cell: cell.id, error });
    },
    eta,
    doneCount,
  };
}

/**
 * Wall seconds of each whole epoch: from the previous line of the log (a start or an epoch) to
 * its own. An epoch resumed mid-way is left out: its time is that of a part.
 */
function epochDurations(log: CellLog): number[] {
  const marks = [...log.starts, ...log.epochs.map((e) => e.time)].sort((a, b) => a - b);
  return log.epochs.flatMap((e) => {
    const before = marks.filter((t) => t < e.time).at(-1);
    return before === undefined || e.resumed ? [] : [(e.time - before) / 1000];
  });
}

/** "40 s", "6 min", "2 h 05 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`;
  const min = Math.round(seconds / 60);
  return min < 120 ? `${min} min` : `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}
