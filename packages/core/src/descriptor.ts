// What a rule package tells the apps about its rule, besides the rule itself: how to ask for its
// options, what a step costs in memory and in matrix-product FLOPs, and how to load its factory.
// Types only: a descriptor imports nothing at run time, so the web page can list the rules
// without loading tfjs.
import type { PresetKind, RuleDefaults } from './presets';
import type { FeedbackGenerator, RuleFactory } from './types';

interface OptionBase {
  /** Kebab-case name: the CLI flag (`--feedback-scale`), the web field, the checkpoint key. */
  readonly flag: string;
  readonly help: string;
}

/**
 * How an app asks for one factory option of type `T`. Rules that share an option (the feedback
 * seed, generator, scale) declare the same flag, so an app shows one field for all of them.
 * - `seed`: the run's seed; no flag of its own.
 * - `generator`: a generator picked by name, built with the rule's `scale` option and the seed.
 */
export type RuleOption<T> =
  [T] extends [boolean] ? OptionBase & { readonly kind: 'boolean'; readonly default?: boolean }
  : [T] extends [number] ? (OptionBase & { readonly kind: 'number'; readonly min?: number; readonly default?: number }) | { readonly kind: 'seed' }
  : [T] extends [string] ? OptionBase & { readonly kind: 'choice'; readonly choices: readonly T[]; readonly default?: T }
  : [T] extends [FeedbackGenerator] ? OptionBase & { readonly kind: 'generator'; readonly scale?: string }
  : never;

/** One entry per factory option, every option included: a new option cannot go undescribed. */
export type RuleOptionSchema<O> = { readonly [K in keyof O]-?: RuleOption<NonNullable<O[K]>> };

/** Any option of any rule, for code that handles rules without knowing which. */
export type AnyRuleOption =
  | RuleOption<boolean> | RuleOption<number> | RuleOption<string> | RuleOption<FeedbackGenerator>;

type Coefficients<K extends string> = { readonly [P in K]?: number };

/** Per-sample conv-net features (floats, times the batch) that a tape rule's peak is fitted on. */
/**
 * The rule's memory formula: fitted coefficients the profiler's `predictMemory` evaluates on a
 * model's shapes (B batch; a block's in, out and pre-pool sizes per sample; P its parameters;
 * floats). The tape keeps each block's output (a pooled conv block also its pooling input) and
 * frees it as the backward pass moves down, while parameter gradients pile up until the update.
 * - `tape` rules (BP, FA, DFA, sign-symmetry) peak at some block k of their one backward pass:
 *   Σ_(i<k) saved_i + Σ_(i>k) P_i + work_k + P_k + ℓ·B·classes (+ what `holds` adds), or in the
 *   update, every gradient alive plus the momentum update's 2 weight-sized buffers for the largest block.
 * - `block` rules (MEM-DFA, DRTP) hold one block's working set at a time: the larger of its
 *   update (P + 2W + B·(in + out + classes) + its input) and its local backward pass (work + ℓ·B·classes + P).
 * work = a·B·in + b·B·out + c·B·pre (conv) + d·B·pre (pooled conv); saved_i = B·out_i + s·B·pre_i
 * (pooled conv); a block rule's local pass counts s·B·pre of a pooled conv (its pooling gradient).
 * See the profiler's memory-model.ts for the fit.
 */
export interface RuleMemoryModel {
  /**
   * Resident feedback: `none`; `mirror`, one B shaped like each weight but the first block's
   * (FA); `direct`, one classes×n_out matrix per hidden block (DFA, DRTP).
   */
  readonly feedback: 'none' | 'mirror' | 'direct';
  readonly schedule: 'tape' | 'block';
  /** [a, b, ℓ, c, d, s] of the formula above. */
  readonly coefficients: readonly [a: number, b: number, loss: number, c: number, d: number, s: number];
  /**
   * What a tape rule also holds: `signals`, each hidden block's B_i·e for the whole step (DFA);
   * `weight-copies`, a matrix shaped like block k's weight while block k's gradient runs
   * (sign(W_k) of sign-symmetry, made lazily on the tape); `feedback-grads`, a gradient for a
   * learned feedback matrix beside its weight's, block by block in the update (KP's B).
   */
  readonly holds?: 'signals' | 'weight-copies' | 'feedback-grads';
  /**
   * `weight-copies`: weight-sized tensors alive at once while block k's matrix is made (default
   * 1): 2 for c·sign(W) or a stored M∘sign(W) (sign, then the product), 3 where the magnitudes are
   * drawn for the step (M, sign, product). After it only the matrix stays.
   */
  readonly copies?: number;
  /**
   * Batch-norm blocks' own tape, floats: B·(k·Σout + c·max out) over the dense BN blocks (at
   * least 0) and over the conv BN blocks, as [k, c] each; a block rule holds one BN block's
   * working set, k·B·out (c unused).
   */
  readonly batchNorm: { readonly dense: readonly [k: number, c: number]; readonly conv: readonly [k: number, c: number] };
  /**
   * The same formula fitted on XNNPACK's products (wasm without wasm-gemm: FBL_WASM_GEMM=0, the
   * web app's `?gemm=off`), which transpose their operands around each product and hold more;
   * the fields above are fitted on wasm-gemm's. Without it, those serve both.
   */
  readonly xnnpack?: Pick<RuleMemoryModel, 'coefficients' | 'batchNorm'>;
}

/**
 * Matrix-product FLOPs (2·m·k·n per product) of one dense training step, by kind of product,
 * summed over the layers of a network for a batch.
 */
export interface DenseFlops {
  /** Forward x·W over every layer. */
  readonly forward: number;
  /** ∂x = dy·Wᵀ (or a feedback matrix) for every layer but the first. */
  readonly inputGrads: number;
  /** The projection of a classes-wide vector onto every hidden layer (B_i·e, B_i·y*). */
  readonly projections: number;
}

/**
 * Everything an app needs to offer a rule, exported by its package and listed once in the
 * rule catalog (@feedback-lab/rules).
 *
 * @example
 * export const faRule: RuleDescriptor<FaOptions> = {
 *   name: 'fa', label: 'FA (feedback alignment)', options: { ... },
 *   memory: { ... }, flops: (f) => 2 * f.forward + f.inputGrads,
 *   load: async () => (await import('./fa')).fa,
 * };
 */
export interface RuleDescriptor<O extends object = object> {
  /** The rule's id: `--rule` value, checkpoint field, web picker value. */
  readonly name: string;
  /** A human label for pickers and reports. */
  readonly label: string;
  readonly options: RuleOptionSchema<O>;
  readonly memory: RuleMemoryModel;
  /** The step's counted FLOPs from the network's products (`trainingFlops` in the bench). */
  readonly flops: (f: DenseFlops) => number;
  /**
   * The rule's own training defaults per kind of preset (`PresetKind`), merged over the preset's
   * rule-independent ones (`trainDefaults` in @feedback-lab/rules); a kind left out, or no
   * `defaults`, trains with the preset's.
   */
  readonly defaults?: Readonly<Partial<Record<PresetKind, Readonly<RuleDefaults>>>>;
  /** The factory, loaded on demand so that listing rules loads no tfjs. */
  readonly load: () => Promise<RuleFactory<O>>;
}
