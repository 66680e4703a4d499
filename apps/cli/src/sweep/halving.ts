/**
 * The epoch counts at which successive halving compares a group's trials, the last being
 * `epochs`: epochs / eta^k for as many levels as the epochs and the trials allow (each level
 * keeps 1/eta of the trials, so at least one is left). Without `eta`, just `[epochs]`.
 *
 * @example rungs(9, 3, 27) // [1, 3, 9]
 */
export function rungs(epochs: number, eta: number | undefined, trials: number): number[] {
  if (!eta) return [epochs];
  const levels = (n: number) => Math.floor(Math.log(n) / Math.log(eta) + 1e-9);
  const k = Math.max(0, Math.min(levels(epochs), levels(trials)));
  return [...new Set(Array.from({ length: k + 1 }, (_, i) => Math.max(1, Math.round(epochs / eta ** (k - i)))))];
}

/** How many of `n` trials go on past a rung. */
export function survivors(n: number, eta: number): number {
  return Math.max(1, Math.floor(n / eta));
}

/** One model × rule's trials under successive halving; scores come from the cells' logs. */
export interface Bracket {
  /** Trial ids, in order (ties keep the earlier trial). */
  trials: readonly string[];
  rungs: readonly number[];
  eta: number;
  maximize: boolean;
  /** The trial's objective at `epochs`, mean over its seeds; undefined when a seed has none (diverged, failed). */
  score(trial: string, epochs: number): number | undefined;
  /** Whether every seed of the trial has its result at `epochs`: trained there, or failed and left alone. */
  settled(trial: string, epochs: number): boolean;
}

/** Where a bracket stands: how far each trial trains now, which were stopped where, and why. */
export interface BracketState {
  /** Epochs each trial still in the bracket trains to now (its current rung); stopped trials keep their last. */
  target: Map<string, number>;
  /** Trials stopped, with the rung (epochs) they were stopped at. */
  stopped: Map<string, number>;
  decisions: { epochs: number; kept: string[]; stopped: string[] }[];
}

/**
 * Replays successive halving from what the logs hold: every rung whose trials are all settled
 * keeps the best 1/eta (trials without a score never go on), and the first rung that is not
 * settled yet is where the bracket stands. Pure, so a rerun reaches the same decisions.
 */
export function advance(b: Bracket): BracketState {
  const state: BracketState = { target: new Map(), stopped: new Map(), decisions: [] };
  let alive = [...b.trials];
  for (const [k, epochs] of b.rungs.entries()) {
    for (const t of alive) state.target.set(t, epochs);
    if (k === b.rungs.length - 1 || !alive.every((t) => b.settled(t, epochs))) break;
    const sign = b.maximize ? -1 : 1;
    const kept = alive.flatMap((t) => {
      const s = b.score(t, epochs);
      return s === undefined ? [] : [{ t, s }];
    }).sort((x, y) => sign * (x.s - y.s)).slice(0, survivors(alive.length, b.eta)).map((x) => x.t);
    const stopped = alive.filter((t) => !kept.includes(t));
    for (const t of stopped) state.stopped.set(t, epochs);
    state.decisions.push({ epochs, kept, stopped });
    alive = alive.filter((t) => kept.includes(t));
  }
  return state;
}
