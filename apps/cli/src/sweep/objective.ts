import { DIVERGED_LINE, type CellLog } from '../reproduce/cell-log';

/** What a sweep ranks trials by: test accuracy after the last epoch or at its best epoch, or the last epoch's training loss. */
export const OBJECTIVES = ['final-acc', 'best-acc', 'final-loss'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** Whether larger values of the objective are better. */
export function maximizes(objective: Objective): boolean {
  return objective !== 'final-loss';
}

/** A cell's result at an epoch count: a value once it has every epoch up to there, else why not. */
export type CellOutcome =
  | { status: 'done'; value: number }
  | { status: 'diverged'; step: number; epoch: number; error: string }
  | { status: 'failed'; error: string }
  /** Not trained to `epochs` yet, or failed on an error (`error`: data, disk) that a rerun retries. */
  | { status: 'open'; error?: string };

/**
 * A cell's objective after `epochs` epochs (its log may go further: a trial continued past a
 * halving rung scores the same there on every rerun), or what stopped it: a divergence (a
 * result, with its step) or another failure the config repeats, or nothing yet (open, with
 * the error of a last run that failed on the machine's account).
 */
export function cellOutcome(log: CellLog, epochs: number, objective: Objective): CellOutcome {
  const records = log.epochs.filter((e) => e.epoch <= epochs);
  if (records.length >= epochs && records.length) {
    const value = objective === 'best-acc' ? Math.max(...records.map((e) => e.testAccuracy))
      : objective === 'final-acc' ? records.at(-1)!.testAccuracy : records.at(-1)!.loss;
    return { status: 'done', value };
  }
  if (log.failure === undefined) return { status: 'open' };
  if (log.failureKind === 'error') return { status: 'open', error: log.failure };
  const m = DIVERGED_LINE.exec(log.failure);
  return m ? { status: 'diverged', step: Number(m[1]), epoch: Number(m[2]), error: log.failure } : { status: 'failed', error: log.failure };
}
