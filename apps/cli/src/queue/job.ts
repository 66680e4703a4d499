import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { versionStamp } from '@feedback-lab/checkpoint';
import { UsageError } from '../args';
import { validateCellConfig } from '../reproduce/cell-config';
import type { CellConfig } from '../reproduce/plan';
import type { CellTask } from '../reproduce/tasks';

/**
 * What a queued job carries: a cell's validated settings and where in the store it lives, as
 * names (never a path of the producer's machine, never code). The worker rebuilds the cell's
 * directory as `<its --store>/<run>/cells/<id>`.
 */
export interface CellJobData {
  /** feedback-lab, tfjs and checkpoint-format versions of the producer (versionStamp()). */
  version: Record<string, string | number>;
  /** The run's directory relative to the store ("fbl-reproduce-quick", "sweeps/dfa-lr"). */
  run: string;
  id: string;
  epochs: number;
  checkpointEvery: number;
  config: CellConfig;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_EPOCHS = 100_000;

/** The job's id: one job per run, cell and epoch count, so a restarted producer reattaches to it. */
export function jobId(run: string, id: string, epochs: number): string {
  // BullMQ refuses ":" in custom ids; "/" cannot appear in a cell id.
  return `${run.split('/').join('~')}~${id}~e${epochs}`;
}

/** The run name of `out` inside `store`, or a usage error when it is not inside. */
export function runName(store: string, out: string): string {
  const rel = relative(resolve(store), resolve(out));
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`--out ${out} must be inside --store ${store}: workers find the cells through the store`);
  const run = rel.split(sep).join('/');
  checkRun(run);
  return run;
}

function checkRun(run: string): void {
  const parts = run.split('/');
  if (parts.length > 8 || !parts.every((p) => NAME.test(p) && p !== '..' && p !== '.')) {
    throw new UsageError(`the run directory "${run.slice(0, 80)}" must be up to 8 names of letters, digits, ".", "_" and "-" below the store`);
  }
}

/** The job for a cell task of the run `run`. */
export function jobData(task: CellTask, run: string): CellJobData {
  return { version: { ...versionStamp() }, run, id: task.id, epochs: task.epochs, checkpointEvery: task.checkpointEvery, config: task.config };
}

/**
 * Checks a job from the queue before anything is written: the producer's versions equal this
 * worker's, names are names, numbers are in range, and the config validates as `fbl train`
 * options. Returns the cell's directory in `store`; throws a UsageError with the reason.
 */
export function validateJob(raw: unknown, store: string): { data: CellJobData; dir: string } {
  if (typeof raw !== 'object' || raw === null) throw new UsageError('the job is not an object');
  const d = raw as Partial<CellJobData>;
  const mine = versionStamp() as unknown as Record<string, unknown>;
  const theirs = (typeof d.version === 'object' && d.version !== null ? d.version : {}) as Record<string, unknown>;
  const diffs = Object.keys(mine).filter((k) => theirs[k] !== mine[k]).map((k) => `${k} ${JSON.stringify(theirs[k] ?? 'unknown')} (this worker: ${JSON.stringify(mine[k])})`);
  if (diffs.length) throw new UsageError(`the cell comes from another version: ${diffs.join(', ')}; run workers of the producer's version`);
  if (typeof d.run !== 'string') throw new UsageError('the job has no run name');
  checkRun(d.run);
  if (typeof d.id !== 'string' || !NAME.test(d.id)) throw new UsageError(`the cell id ${JSON.stringify(d.id)?.slice(0, 80)} is not a name`);
  for (const k of ['epochs', 'checkpointEvery'] as const) {
    if (!Number.isSafeInteger(d[k]) || d[k]! < 1 || d[k]! > MAX_EPOCHS * 1000) throw new UsageError(`the job's ${k} must be a positive integer, got ${JSON.stringify(d[k])}`);
  }
  if (d.epochs! > MAX_EPOCHS) throw new UsageError(`the job's epochs must be at most ${MAX_EPOCHS}`);
  const config = validateCellConfig(d.config, { allowDataDir: false });
  const dir = join(resolve(store), ...d.run.split('/'), 'cells', d.id);
  return { data: { version: d.version!, run: d.run, id: d.id, epochs: d.epochs!, checkpointEvery: d.checkpointEvery!, config }, dir };
}
