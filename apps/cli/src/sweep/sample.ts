import { createRng, type Rng } from '@feedback-lab/core';
import { UsageError } from '../args';
import type { ParamSpace, ParamValue } from './space';

/** One point of the search space, trained for every model × rule × seed. */
export interface Trial {
  /** `t001`, `t002`, …: its place in the search, part of its cells' ids. */
  id: string;
  values: Record<string, ParamValue>;
}

/** Significant digits a drawn float keeps (ids and tables stay readable; the draw stays reproducible). */
const DIGITS = 4;

/** One draw from a range, or a uniform pick from a list. */
export function draw(p: ParamSpace, rng: Rng): ParamValue {
  if (p.kind === 'list') return p.values[rng.int(p.values.length)]!;
  const clamp = (x: number) => Math.min(p.max, Math.max(p.min, x));
  if (p.kind === 'uniform') return p.integer ? p.min + rng.int(p.max - p.min + 1) : clamp(Number((p.min + rng.next() * (p.max - p.min)).toPrecision(DIGITS)));
  // Integers: log-uniform over [min, max + 1), floored, so each end gets its share.
  const hi = p.integer ? p.max + 1 : p.max;
  const x = Math.exp(Math.log(p.min) + rng.next() * (Math.log(hi) - Math.log(p.min)));
  return clamp(p.integer ? Math.floor(x) : Number(x.toPrecision(DIGITS)));
}

/** Grids above this many trials are refused: they are a mistake, or want --trials. */
const MAX_GRID = 10_000;

/**
 * The trials of a search: without `trials`, the full grid (every combination of the lists, the
 * first parameter changing slowest); with it, that many random draws from `searchSeed`, so the
 * same command draws the same trials. Ranges need `trials`.
 */
export function expandTrials(space: readonly ParamSpace[], o: { trials?: number; searchSeed: number }): Trial[] {
  const points = o.trials === undefined ? grid(space) : randomPoints(space, o.trials, o.searchSeed);
  const width = Math.max(3, String(points.length).length);
  return points.map((values, i) => ({ id: `t${String(i + 1).padStart(width, '0')}`, values }));
}

function randomPoints(space: readonly ParamSpace[], trials: number, searchSeed: number): Record<string, ParamValue>[] {
  const rng = createRng(searchSeed);
  return Array.from({ length: trials }, () => Object.fromEntries(space.map((p) => [p.name, draw(p, rng)])));
}

function grid(space: readonly ParamSpace[]): Record<string, ParamValue>[] {
  let points: Record<string, ParamValue>[] = [{}];
  for (const p of space) {
    if (p.kind !== 'list') throw new UsageError(`${p.name} is a range: give --trials N for a random search (or list its values for a grid)`);
    points = points.flatMap((g) => p.values.map((v) => ({ ...g, [p.name]: v })));
    if (points.length > MAX_GRID) throw new UsageError(`the grid has over ${MAX_GRID} trials: give --trials N for a random search over it`);
  }
  return points;
}
