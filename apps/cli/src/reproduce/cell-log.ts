import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  resumed?: boolean;
}

/** What a cell's epochs.jsonl says: when its runs started, its epochs, its last failure. */
export interface CellLog {
  starts: number[];
  /** The queue worker of the last start (none for the local pool). */
  worker?: string;
  /** Where the last resumed run picked up: its checkpoint's epoch in progress and global step. */
  resumedAt?: { epoch: number; step: number };
  /** One record per epoch, in order; a repeated epoch (a kill between the line and the checkpoint) keeps the last. */
  epochs: EpochRecord[];
  failure?: string;
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
      log.worker = typeof ev.worker === 'string' ? ev.worker : undefined;
      log.resumedAt = undefined;
    } else if (ev.event === 'resumed' && typeof ev.epoch === 'number' && typeof ev.step === 'number') {
      log.resumedAt = { epoch: ev.epoch, step: ev.step };
    } else if (ev.event === 'epoch' && typeof ev.epoch === 'number' && typeof ev.testAccuracy === 'number') {
      byEpoch.set(ev.epoch, ev as unknown as EpochRecord);
    } else if (ev.event === 'failed') {
      log.failure = String(ev.error);
    }
  }
  log.epochs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  return log;
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
  let old: Record<string, unknown>;
  try {
    old = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new FblError('CHECKPOINT', `${path} is not valid JSON; delete ${cell.dir} to rerun that cell`);
  }
  const now = cell.config as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])] as (keyof CellConfig)[];
  const diffs = keys.filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]))
    .map((k) => `${k} ${JSON.stringify(old[k]) ?? 'unset'} → ${JSON.stringify(now[k]) ?? 'unset'}`);
  if (diffs.length) {
    throw new FblError('CHECKPOINT', `cell ${cell.id} was run with other settings (${diffs.join(', ')}); use another --out, or delete ${cell.dir} to redo it`);
  }
}
