import { describeDifferences, diffConfig } from '@feedback-lab/checkpoint';
import { parseOptions } from '../args';
import { TRAIN_OPTIONS } from '../commands/train';
import { RESULT_KEYS } from '../run-config';
import { loadRun } from '../run-checkpoint';
import { trainArgs, type CellConfig } from './plan';

/** The settings that decide a run's numbers; where its data lives may differ (a queue's workers). */
const KEYS = RESULT_KEYS.filter((k) => k !== 'data-dir');

const pick = (o: Readonly<Record<string, unknown>>) => Object.fromEntries(KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

/**
 * Why a cell may not resume from the checkpoint in `dir`, or undefined when it may: one of
 * another run (two cells' checkpoints swapped, one copied in from elsewhere) would report that
 * run's numbers under this cell. The config stored in the checkpoint must be, setting by
 * setting, the one the cell's fresh `fbl train` (trainArgs, the options' defaults included)
 * stored. `fbl train --resume` itself compares only the options it is given, and a cell resumes
 * with its epoch count alone. A checkpoint that cannot be read is left to `fbl train --resume`,
 * which says why in its own line.
 */
export async function foreignCheckpoint(dir: string, config: CellConfig): Promise<string | undefined> {
  let saved: Record<string, unknown>;
  try {
    saved = (await loadRun(dir)).config as unknown as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const diffs = diffConfig(pick(saved), pick(parseOptions(trainArgs(config, 1), TRAIN_OPTIONS)));
  if (!diffs.length) return undefined;
  return `the cell's checkpoint belongs to another run (${describeDifferences(diffs, 'in this cell')}); put its own checkpoint back, or remove ${dir} to retrain the cell`;
}
