import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FblError } from '@feedback-lab/core';
import type { Cell, CellConfig } from './plan';

/** One epoch of a cell as epochs.jsonl records it: `fbl train --json`'s epoch line plus the heap. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
  samplesPerSec: number;
  /** Training time of the epoch (without the evaluations). */
  seconds: number;
  /** Peak tensor bytes of the profiled steps. */
  peakBytes: number;
  /** The wasm heap at the epoch's end (its high-water mark: it never shrinks). */
  wasmHeapBytes?: number;
  backend?: string;
  /** ms since the epoch, when the line was written. */
  time: number;
  /** The epoch was resumed mid-way: its samples/s, seconds and peak cover only the part after the resume. */
  resumed?: boolean;
}

/**
 * Why a cell's last run failed: `diverged` is the config's own result (a rerun diverges again),
 * so the cell is left as it is until --retry-failed; any other `error` (missing data, a full
 * disk, no permission, a checkpoint of another run) is the machine's, and a rerun retries it.
 */
export type FailureKind = 'diverged' | 'error';

/** The trainer's divergence line: "loss exploded … at step 5 (epoch 1) with rule bp; …". */
export const DIVERGED_LINE = /at step (\d+) \(epoch (\d+)\) with rule /;

/** What a cell's epochs.jsonl says: when its runs started, its epochs, its last failure. */
export interface CellLog {
  starts: number[];
  /** The queue worker of the last start (none for the local pool). */
  worker?: string;
  /** Where the last resumed run picked up: its checkpoint's epoch in progress and global step. */
  resumedAt?: { epoch: number; step: number };
  /** One record per epoch, in order; a repeated epoch (a kill between the line and the checkpoint) keeps the last. */
  epochs: EpochRecord[];
  /** The last run's one-line error, if it failed. */
  failure?: string;
  failureKind?: FailureKind;
}

/** The append-only log of a cell. */
export function cellLogPath(dir: string): string {
  return join(dir, 'epochs.jsonl');
}

/** Reads a cell's log; a torn last line (killed mid-write) is skipped. */
export function readCellLog(dir: string): CellLog {
  const path = cellLogPath(dir);
  const log: CellLog = { starts: [], epochs: [] };
  if (!existsSync(path)) return log;
  const byEpoch = new Map<number, EpochRecord>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (ev.event === 'start') {
      log.starts.push(Number(ev.time));
      log.failure = undefined;
      log.failureKind = undefined;
      log.worker = typeof ev.worker === 'string' ? ev.worker : undefined;
      log.resumedAt = undefined;
    } else if (ev.event === 'resumed' && typeof ev.epoch === 'number' && typeof ev.step === 'number') {
      log.resumedAt = { epoch: ev.epoch, step: ev.step };
    } else if (ev.event === 'epoch' && typeof ev.epoch === 'number' && typeof ev.testAccuracy === 'number') {
      byEpoch.set(ev.epoch, ev as unknown as EpochRecord);
    } else if (ev.event === 'failed') {
      log.failure = String(ev.error);
      // A failure logged before kinds were recorded: a divergence by its line.
      log.failureKind = ev.failure === 'error' || ev.failure === 'diverged' ? ev.failure : DIVERGED_LINE.test(log.failure) ? 'diverged' : 'error';
    }
  }
  log.epochs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  return log;
}

/** Whether a cell's last run failed in a way a rerun repeats: it waits for --retry-failed. */
export function failedForGood(log: CellLog): boolean {
  return log.failure !== undefined && log.failureKind !== 'error';
}

/** A cell is finished when its log has every epoch up to `epochs`. */
export function isFinished(cell: Cell, log: CellLog): boolean {
  return log.epochs.filter((e) => e.epoch <= cell.epochs).length >= cell.epochs;
}

const CONFIG_FILE = 'cell.json';

/**
 * Creates the cell's directory and records its config, or checks that an existing one matches:
 * a checkpoint trained with other hyperparameters (the presets were retuned, another --limit)
 * must not be continued or reported as if it were this run's.
 */
export function prepareCell(cell: Cell): void {
  mkdirSync(cell.dir, { recursive: true });
  const path = join(cell.dir, CONFIG_FILE);
  if (!existsSync(path)) {
    writeFileSync(path, JSON.stringify(cell.config, null, 2) + '\n');
    return;
  }
  const old = readConfigFile(path, `delete ${cell.dir} to rerun that cell`);
  const now = cell.config as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])] as (keyof CellConfig)[];
  const diffs = keys.filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]))
    .map((k) => `${k} ${JSON.stringify(old[k]) ?? 'unset'} → ${JSON.stringify(now[k]) ?? 'unset'}`);
  if (diffs.length) {
    throw new FblError('CHECKPOINT', `cell ${cell.id} was run with other settings (${diffs.join(', ')}); use another --out, or delete ${cell.dir} to redo it`);
  }
}

/**
 * A cell.json as an object, or one line saying what is there instead (a directory, not JSON,
 * JSON of another shape). Never overwritten: it may sit beside a checkpoint it describes.
 */
function readConfigFile(path: string, fix: string): Record<string, unknown> {
  if (statSync(path).isDirectory()) throw new FblError('CHECKPOINT', `${path} is a directory, not a cell's settings; ${fix}`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new FblError('CHECKPOINT', `${path} is not valid JSON; ${fix}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FblError('CHECKPOINT', `${path} holds ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, not a cell's settings (a JSON object); ${fix}`);
  }
  return value as Record<string, unknown>;
}
