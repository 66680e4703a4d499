import { FblError, outSize, size, type ModelSpec } from '@feedback-lab/core';

export type ModelledRule = 'bp' | 'fa' | 'dfa' | 'mem-dfa' | 'drtp' | 'sign-symmetry';
export const MODELLED_RULES: readonly ModelledRule[] = ['bp', 'fa', 'dfa', 'mem-dfa', 'drtp', 'sign-symmetry'];

/** Whether `predictMemory` has a formula for `rule`. */
export function isModelled(rule: string): rule is ModelledRule {
  return (MODELLED_RULES as readonly string[]).includes(rule);
}

export interface MemoryModelInput {
  /** MLP widths, input first, classes last (or give `spec`). */
  arch?: readonly number[];
  /** Any model spec: conv2d blocks (with pooling), then dense blocks (flattened input). */
  spec?: ModelSpec;
  batchSize: number;
  rule: string;
  optimizer?: 'sgd' | 'momentum' | 'adam';
  /** Feedback storage of the rules with random matrices: fa, dfa, mem-dfa, drtp (default stored). */
  feedback?: 'stored' | 'regenerate';
}

export interface MemoryPrediction {
  resident: { weights: number; optimizer: number; feedback: number; batch: number; total: number };
  peakTransientBytes: number;
  /** resident.total + peakTransientBytes. */
  peakBytes: number;
}

/** One block's sizes per sample: input, conv output before pooling (dense: = out), output; parameters. */
interface BlockShape {
  conv: boolean;
  pool?: 'max' | 'avg';
  in: number;
  pre: number;
  out: number;
  params: number;
  /** Weight entries without the bias: what a feedback matrix of FA mirrors. */
  weights: number;
}

/** Per-sample block sizes of a spec (or of MLP widths), from shapes alone. */
export function blockShapes(o: Pick<MemoryModelInput, 'arch' | 'spec'>): BlockShape[] {
  const spec: ModelSpec = o.spec ?? { input: [o.arch![0]!], layers: o.arch!.slice(1).map((units) => ({ type: 'dense', units })) };
  let shape = [...spec.input];
  return spec.layers.map((l) => {
    const n = size(shape);
    if (l.type === 'dense') {
      shape = [l.units];
      return { conv: false, in: n, pre: l.units, out: l.units, params: n * l.units + l.units, weights: n * l.units };
    }
    const [h = 1, w = 1, c = 1] = shape;
    const s = l.stride ?? 1;
    const pad = l.padding ?? 'valid';
    const ch = outSize(h, l.kernel, s, pad);
    const cw = outSize(w, l.kernel, s, pad);
    let [oh, ow] = [ch, cw];
    if (l.pool) {
      const ps = l.pool.stride ?? l.pool.size;
      oh = outSize(ch, l.pool.size, ps, l.pool.padding ?? 'valid');
      ow = outSize(cw, l.pool.size, ps, l.pool.padding ?? 'valid');
    }
    shape = [oh, ow, l.filters];
    const weights = l.kernel * l.kernel * c * l.filters;
    return { conv: true, pool: l.pool?.type, in: n, pre: ch * cw * l.filters, out: oh * ow * l.filters, params: weights + l.filters, weights };
  });
}

// ---- the model ----
// The tape keeps, per block, its output and, under max or average pooling, the pooling input
// (core's tape-memory.ts: saved tensors are aliases, activations keep only their output), and
// frees them as the backward pass moves down; parameter gradients pile up until the single update.
// So BP, FA and sign-symmetry peak at some block k of the backward pass with
//   Σ_(i<k) saved_i + Σ_(i>k) P_i + work_k + P_k + ℓ·B·classes,
// or in the update, with every gradient alive plus 4 weight-sized temporaries of the largest
// block (momentum). DFA's tape also holds every block's signal B_i·e (B·out each); sign-symmetry
// holds sign(W_i) for every block but the first. work_k = a·B·in + b·B·out + c·B·pre (conv) +
// d·B·pre (pooled conv); saved_i = B·out_i + s·B·pre_i (pooled conv).
// MEM-DFA and DRTP run one block at a time: the largest of each block's update
// (P + 4W + B·(in + out + classes), the input counted from block 1 on) and of its local
// backward pass (a·B·in + b·B·out + ℓ·B·classes + P + c·B·pre (conv) + d·B·pre (pooled)) decides.
// Coefficients [a, b, ℓ, c, d, s] fitted (non-negative least squares on relative error) to
// profiled momentum steps in distinct buffer bytes: MLPs of widths 64/128/256 × depths
// 1/2/4/6 × batch 32/128/1024 and six irregular ones (96×7, 160×3, 100×10, 300×2, 64-32-512-512,
// 784-256-1024-1024), mnist-conv and cifar-conv at batch 32/64/128, and four small conv specs
// (same/valid, stride 2, max/avg/no pooling, 1–3 conv blocks) at 32 and 96. Worst error: bp
// 10%, fa 7%, dfa 10%, mem-dfa 6%, sign-symmetry 12%, drtp 16% (MLPs at batch 128).
type Rule = ModelledRule;
const COEF: Record<Rule, [a: number, b: number, loss: number, c: number, d: number, s: number]> = {
  bp: [0.463, 3.259, 7.992, 2.3, 0.858, 2.533],
  fa: [0, 3.701, 8.206, 3.686, 0.604, 1],
  'sign-symmetry': [1.267, 2.327, 8.63, 3.216, 0.125, 1.813],
  dfa: [0.854, 1.804, 5.276, 1.337, 1.807, 2.558],
  'mem-dfa': [1.112, 3.937, 0.893, 1.559, 1.703, 1],
  drtp: [1.112, 3.937, 0.893, 1.559, 1.703, 1],
};

const F32 = 4;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Peak transient floats of one step (distinct buffer bytes / 4). */
function transientFloats(rule: Rule, blocks: readonly BlockShape[], B: number, regenerate: boolean): number {
  const classes = blocks.at(-1)!.out;
  const [a, b, loss, c, d, s] = COEF[rule];
  const P = blocks.map((x) => x.params);
  const W = blocks.map((x) => x.weights);
  const pooled = (x: BlockShape) => (x.pool ? B * x.pre : 0);
  const conv = (x: BlockShape) => (x.conv ? B * x.pre : 0);
  if (rule === 'mem-dfa' || rule === 'drtp') {
    return Math.max(...blocks.map((x, k) => {
      const input = k > 0 ? B * x.in : 0;
      const update = x.params + 4 * x.weights + B * (x.out + classes) + input;
      const local = a * input + b * B * x.out + loss * B * classes + x.params + c * conv(x) + d * pooled(x);
      return Math.max(update, local);
    }));
  }
  const saved = blocks.slice(0, -1).map((x) => B * x.out + s * pooled(x));
  const signals = rule === 'dfa' ? sum(blocks.slice(0, -1).map((x) => B * x.out)) : 0;
  // sign(W_i), or FA's regenerated B_i: built for the step, alive until it ends
  const feedback = rule === 'sign-symmetry' || (rule === 'fa' && regenerate) ? sum(W.slice(1)) : 0;
  let peak = 0;
  for (let k = blocks.length - 1; k >= 0; k--) {
    const x = blocks[k]!;
    const work = a * B * x.in + b * B * x.out + c * conv(x) + d * pooled(x);
    peak = Math.max(peak, sum(saved.slice(0, k)) + sum(P.slice(k + 1)) + signals + feedback + work + P[k]! + loss * B * classes);
  }
  return Math.max(peak, sum(P) + 4 * Math.max(...W));
}

/**
 * Predicts the resident and peak transient tensor bytes (distinct buffers) of one training
 * step, from the model's shapes (MLP widths or a spec with conv blocks), the batch size, the
 * rule and the optimizer, without allocating anything. Used for measured-vs-predicted reports,
 * the memory-budget guard and the heap guard's first step.
 *
 * @example
 * predictMemory({ arch: [256, ...Array(100).fill(256), 10], batchSize: 128, rule: 'mem-dfa' });
 * predictMemory({ spec: presetSpec('cifar-conv'), batchSize: 64, rule: 'bp' });
 */
export function predictMemory(o: MemoryModelInput): MemoryPrediction {
  if (!isModelled(o.rule)) {
    throw new FblError('INVALID_OPTION', `no memory model for rule "${o.rule}" (modelled: ${MODELLED_RULES.join(', ')})`);
  }
  if (!o.spec && !o.arch) throw new FblError('INVALID_OPTION', 'predictMemory needs arch (MLP widths) or spec');
  const rule = o.rule;
  const blocks = blockShapes(o);
  const B = o.batchSize;
  const classes = blocks.at(-1)!.out;
  const weights = sum(blocks.map((b) => b.params));
  const slots = { sgd: 0, momentum: 1, adam: 2 }[o.optimizer ?? 'momentum'];
  // FA's B_i has the shape of W_i for every block but the first; DFA, MEM-DFA and DRTP use a
  // classes×n_out matrix per hidden block. Regenerated, none is resident; FA's are built for the
  // step and alive until it ends (the transient term counts them), the others' one at a time.
  const regen = o.feedback === 'regenerate';
  const feedback = rule === 'fa'
    ? regen ? 0 : sum(blocks.slice(1).map((b) => b.weights))
    : rule === 'bp' || rule === 'sign-symmetry' || regen ? 0 : sum(blocks.slice(0, -1).map((b) => classes * b.out));
  const peakTransientBytes = Math.max(0, Math.round(transientFloats(rule, blocks, B, regen))) * F32;
  const resident = {
    weights: weights * F32,
    optimizer: slots * weights * F32,
    feedback: feedback * F32,
    batch: B * (blocks[0]!.in + classes) * F32,
    total: 0,
  };
  resident.total = resident.weights + resident.optimizer + resident.feedback + resident.batch;
  return { resident, peakTransientBytes, peakBytes: resident.total + peakTransientBytes };
}
