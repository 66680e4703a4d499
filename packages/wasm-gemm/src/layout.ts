/** How a product reads its weight-sized operand: where it lies, or packed into panels first. */
export type Layout = 'in-place' | 'packed';
/** A fixed layout, or `tuned`: each product shape times both on its first calls and keeps the faster. */
export type LayoutChoice = Layout | 'tuned';

/** Products of fewer FLOPs are packed untimed: timing them would cost more than either layout saves. */
export const TUNE_FLOPS = 2e6;
/** Timed calls per layout, alternating, after one untimed call of each (V8's baseline code), before a shape's layout is fixed. */
export const TRIALS = 5;

const median = (xs: readonly number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;

interface Shape {
  calls: number;
  times: [number[], number[]];
  pick?: Layout;
}

/**
 * Picks each product shape's layout by timing both. Which is faster depends on the machine: on a
 * Zen 5 EPYC a weight read in place saved the pass that packs it (the forward and ∂x products
 * 4–11 % faster), while an earlier 2-core EPYC ran the kernel 20 % slower on rows 3.2 KB apart
 * than on packed panels, more than packing costs. Both layouts compute every element by the
 * same sums in the same order, so the choice never changes a result.
 */
export class LayoutTuner {
  private readonly shapes = new Map<string, Shape>();

  constructor(
    readonly choice: LayoutChoice = 'tuned',
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs a product of `flops` with shape `key` through `run` in the layout chosen for it. */
  run(key: string, flops: number, run: (layout: Layout) => void): void {
    if (this.choice !== 'tuned') return run(this.choice);
    if (flops < TUNE_FLOPS) return run('packed');
    let s = this.shapes.get(key);
    if (!s) this.shapes.set(key, (s = { calls: 0, times: [[], []] }));
    if (s.pick) return run(s.pick);
    const i = s.calls++ % 2;
    const t0 = this.now();
    run(i ? 'packed' : 'in-place');
    if (s.calls > 2) s.times[i]!.push(this.now() - t0);
    if (s.times[1].length >= TRIALS) s.pick = median(s.times[0]) <= median(s.times[1]) ? 'in-place' : 'packed';
  }

  /** The layouts fixed so far, by shape. */
  picks(): Record<string, Layout> {
    return Object.fromEntries([...this.shapes].flatMap(([k, s]) => (s.pick ? [[k, s.pick]] : [])));
  }
}
