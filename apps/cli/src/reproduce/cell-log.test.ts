import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellOutcome } from '../sweep/objective';
import { cellLogPath, failedForGood, readCellLog } from './cell-log';

const root = mkdtempSync(join(tmpdir(), 'fbl-cell-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DIVERGED = 'loss became NaN at step 12 (epoch 2) with rule dfa; no checkpoint was written; lower the learning rate';

/** A cell directory whose log holds these events, one JSON line each. */
function cell(name: string, ...events: object[]): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(cellLogPath(dir), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return dir;
}
const start = { event: 'start', time: 1 };

describe('a cell log\'s last failure', () => {
  it('keeps a divergence until --retry-failed, and leaves an error (data, disk) to the next run', () => {
    const diverged = readCellLog(cell('diverged', start, { event: 'failed', code: 1, error: DIVERGED, failure: 'diverged' }));
    expect(diverged).toMatchObject({ failure: DIVERGED, failureKind: 'diverged' });
    expect(failedForGood(diverged)).toBe(true);
    expect(cellOutcome(diverged, 3, 'final-acc')).toEqual({ status: 'diverged', step: 12, epoch: 2, error: DIVERGED });
    const error = readCellLog(cell('error', start, { event: 'failed', code: 1, error: 'cannot write /x: no space left on the device', failure: 'error' }));
    expect(failedForGood(error)).toBe(false);
    // A sweep trains it again, and shows its error until then.
    expect(cellOutcome(error, 3, 'final-acc')).toEqual({ status: 'open', error: 'cannot write /x: no space left on the device' });
    // A new start clears the verdict.
    expect(readCellLog(cell('restarted', start, { event: 'failed', code: 1, error: DIVERGED, failure: 'diverged' }, start))).toMatchObject({ failure: undefined, failureKind: undefined });
  });

  it('reads a failure logged before kinds were: a divergence by the trainer\'s line, anything else as an error', () => {
    expect(readCellLog(cell('old-diverged', start, { event: 'failed', code: 1, error: DIVERGED })).failureKind).toBe('diverged');
    expect(readCellLog(cell('old-error', start, { event: 'failed', code: 1, error: 'CIFAR-10 binary files not found in /data' })).failureKind).toBe('error');
  });
});
