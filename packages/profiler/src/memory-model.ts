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
  /** Batch-norm channels (units of a dense block, filters of a conv block); 0 without batch norm. */
  bn: number;
}

/** Per-sample block sizes of a spec (or of MLP widths), from shapes alone. */
export function blockShapes(o: Pick<MemoryModelInput, 'arch' | 'spec'>): BlockShape[] {
  const spec: ModelSpec = o.spec ?? { input: [o.arch![0]!], layers: o.arch!.slice(1).map((units) => ({ type: 'dense', units })) };
  let shape = [...spec.input];
  return spec.layers.map((l) => {
    const n = size(shape);
    if (l.type === 'dense') {
      shape = [l.units];
      const bn = l.batchNorm ? l.units : 0;
      return { conv: false, in: n, pre: l.units, out: l.units, params: n * l.units + l.units + 2 * bn, weights: n * l.units, bn };
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
    const bn = l.batchNorm ? l.filters : 0;
    return { conv: true, pool: l.pool?.type, in: n, pre: ch * cw * l.filters, out: oh * ow * l.filters, params: weights + l.filters + 2 * bn, weights, bn };
  });
}

// ---- MLP blocks (dense only) ----
// Floats per block for the depth-dependent part (X = B·n_in, A = B·n_out, P = n_in·n_out + n_out).
// BP keeps every block's forward tape (outputs of matMul, add and tanh, plus the tape's saved
// clones) and every gradient until the single update; FA runs the same tape (its blocks'
// `applyWithFeedback`), so it costs what BP costs; DFA's one-pass tape also holds each block's
// signal B_i·e; MEM-DFA and DRTP hold none of it across blocks.
type Rule = ModelledRule;
const PER_BLOCK: Record<Rule, (B: number, nIn: number, nOut: number) => number> = {
  bp: (B, i, o) => 4.239 * B * (i + o) + 1.723 * (i * o + o),
  fa: (B, i, o) => 4.239 * B * (i + o) + 1.723 * (i * o + o),
  'sign-symmetry': (B, i, o) => 4.239 * B * (i + o) + 1.723 * (i * o + o),
  dfa: (B, i, o) => 5.24 * B * (i + o) + 1.8 * (i * o + o),
  'mem-dfa': () => 0,
  drtp: () => 0,
};

// One dense block's working set: max of its backward (α·(X+A) + β·P) and its optimizer update
// (γ·P), plus δ·B·classes for the loss. Refitted by least squares (with PER_BLOCK) on 24 profiled
// steps per rule (widths 64/128/256, depths 1/2/4/6, batch 32/128; momentum) after the speed work
// changed the kernels; checked on 96×7×48, 160×3×64, 100×10×32, 300×2×128: within 3.3%.
const BASE: Record<Rule, [alpha: number, beta: number, gamma: number, delta: number]> = {
  bp: [3.798, 3.213, 4, 21.099],
  fa: [3.798, 3.213, 4, 21.099],
  'sign-symmetry': [3.798, 3.213, 4, 21.099],
  dfa: [4.861, 3.078, 4.25, 25.177],
  'mem-dfa': [5.375, 2, 5.25, 1],
  drtp: [5.375, 2, 5.25, 1],
};

/** Floats per B·units of a dense batch-norm block on the tape-keeping rules (see `transientFloats`). */
const BN_TAPE: Record<Rule, number> = { bp: 5.8, fa: 5.8, 'sign-symmetry': 5.8, dfa: 5.4, 'mem-dfa': 0, drtp: 0 };

// ---- specs with conv blocks ----
// Fitted by non-negative least squares on 6 conv specs (1–3 conv blocks; kernels 3/5; max, avg or
// no pooling; same/valid padding; stride 1 and 2; 1–4 input channels; a dense head) at batch 32
// and 96, momentum, then checked on the mnist-conv and cifar-conv presets at 64 and 128 (table in
// the README). Features (floats): Σ over conv blocks of B·in, B·pre (conv output before pooling),
// B·out, and the first conv block's B·in and B·pre (its backward runs last, with every tape and
// gradient still alive). Dense blocks of a conv net take PER_BLOCK (BP, DFA) or 0.21·B·(in+out)
// (FA and sign-symmetry, whose dense tape the fit found small); parameters count via S_P.
interface ConvSums { B: number; sIn: number; sPre: number; sOut: number; sMaxPre: number; sP: number; fIn: number; fPre: number; denseIo: number }
const CONV_TAPE: Record<'bp' | 'fa' | 'dfa' | 'sign-symmetry', (s: ConvSums) => number> = {
  bp: (s) => 5.3 * s.sPre + 0.767 * s.sOut + 1.093 * s.fPre,
  dfa: (s) => 3.616 * s.sPre + 5.501 * s.sOut + 1.381 * s.fPre + 1.144 * s.sMaxPre,
  fa: (s) => 0.964 * s.sOut + 1.057 * s.sP + 3.437 * s.fIn + 6.873 * s.fPre + 0.209 * s.denseIo,
  'sign-symmetry': (s) => 0.963 * s.sOut + 1.057 * s.sP + 3.45 * s.fIn + 10.871 * s.fPre + 0.211 * s.denseIo,
};

// One conv block's working set under MEM-DFA and DRTP (the peak of its feedback/update phases):
// a·B·in + b·B·pre + c·B·out + d·P + e·B·classes (+ 0.32·B·pre for max pooling's shifted copy).
// Fitted per block on the same specs and both presets (32 blocks): within 7 %. DRTP's signal is
// B·out wide (the projected target), DFA's B_i·e too, but MEM-DFA drops its input sooner.
const CONV_BLOCK: Record<'mem-dfa' | 'drtp', [number, number, number, number, number]> = {
  'mem-dfa': [2.907, 5.481, 1.283, 3.627, 88.021],
  drtp: [2.907, 5.481, 7.283, 3.627, 87.023],
};

const F32 = 4;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Peak transient floats of one step (engine bytes / 4). */
function transientFloats(rule: Rule, blocks: readonly BlockShape[], B: number): number {
  const classes = blocks.at(-1)!.out;
  const [alpha, beta, gamma, delta] = BASE[rule];
  const denseBase = (b: BlockShape) => Math.max(alpha * B * (b.in + b.out) + beta * b.params, gamma * b.params) + delta * B * classes;
  const convs = blocks.filter((b) => b.conv);
  if (rule === 'mem-dfa' || rule === 'drtp') {
    // One block's working set at a time: the largest block decides, wherever it sits (sizing
    // from block 0 alone missed 784-256-4096-4096-10, whose 4096×4096 block is the peak).
    const [a, b, c, d, e] = CONV_BLOCK[rule];
    // batch norm: 6.1·B·out more per conv block (long-conv-5, momentum; dense BN blocks: not measured)
    const conv = (x: BlockShape) => a * B * x.in + b * B * x.pre + c * B * x.out + d * x.params + e * B * classes + (x.pool === 'max' ? 0.32 * B * x.pre : 0) + (x.bn ? 6.1 * B * x.out : 0);
    return Math.max(...blocks.map((x) => (x.conv ? conv(x) : denseBase(x))));
  }
  const hidden = blocks.slice(0, -1).filter((b) => !b.conv);
  if (!convs.length) {
    // Batch norm adds its own tape per block (input, x̂, the normalised output before the
    // activation): fitted on long-fc-5/10 (500-unit sigmoid BN blocks, batch 64, momentum) as
    // k·B·units per BN block less a fixed 15·B·units (the first blocks' share is in BASE).
    const bnOut = hidden.filter((b) => b.bn).map((b) => b.out);
    const bnTape = bnOut.length ? Math.max(0, BN_TAPE[rule] * B * sum(bnOut) - 15 * B * Math.max(...bnOut)) : 0;
    // MLP: the tape of every block but the first (whose working set is BASE) and the last; or
    // the single update, with every gradient alive and γ·P of scratch for the largest weight
    // (784-256-1024-1024-10: the 1024×1024 block's update is the peak, not block 0's).
    const params = blocks.map((b) => b.params);
    const update = sum(params) + gamma * Math.max(...params);
    return Math.max(sum(hidden.slice(1).map((b) => PER_BLOCK[rule](B, b.in, b.out))) + denseBase(blocks[0]!) + bnTape, update);
  }
  const s: ConvSums = {
    B,
    sIn: B * sum(convs.map((b) => b.in)),
    sPre: B * sum(convs.map((b) => b.pre)),
    sOut: B * sum(convs.map((b) => b.out)),
    sMaxPre: B * sum(convs.filter((b) => b.pool === 'max').map((b) => b.pre)),
    sP: sum(blocks.map((b) => b.params)),
    fIn: B * convs[0]!.in,
    fPre: B * convs[0]!.pre,
    denseIo: B * sum(hidden.map((b) => b.in + b.out)),
  };
  const dense = rule === 'bp' || rule === 'dfa' ? sum(hidden.map((b) => PER_BLOCK[rule](B, b.in, b.out))) : 0;
  // Batch norm in conv blocks: k·B·Σout + 2.7·B·max out, fitted on long-conv-5/10 (BP) and
  // long-conv-5 (DFA; FA and sign-symmetry take BP's, unmeasured).
  const bnOut = convs.filter((b) => b.bn).map((b) => b.out);
  const convBn = bnOut.length ? B * ((rule === 'dfa' ? 4.8 : 5.94) * sum(bnOut) + 2.7 * Math.max(...bnOut)) : 0;
  return CONV_TAPE[rule](s) + dense + convBn;
}

/**
 * Predicts the resident and peak transient tensor bytes (engine `numBytes`) of one training
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
  const stats = 2 * sum(blocks.map((b) => b.bn)); // running mean and variance: resident, not trained
  const slots = { sgd: 0, momentum: 1, adam: 2 }[o.optimizer ?? 'momentum'];
  // FA's B_i has the shape of W_i for every block but the first; DFA, MEM-DFA and DRTP use a
  // classes×n_out matrix per hidden block. Regenerated, none is resident and the peak does not
  // move: FA's tape saves its own copy of every B in both modes (the transient term counts it),
  // the others hold one small matrix at a time (FA on 256-256-256-256-10, batch 64: 3.18 MiB
  // peak transient either way).
  const regen = o.feedback === 'regenerate';
  const feedback = rule === 'fa'
    ? regen ? 0 : sum(blocks.slice(1).map((b) => b.weights))
    : rule === 'bp' || rule === 'sign-symmetry' || regen ? 0 : sum(blocks.slice(0, -1).map((b) => classes * b.out));
  const peakTransientBytes = Math.max(0, Math.round(transientFloats(rule, blocks, B))) * F32;
  const resident = {
    weights: (weights + stats) * F32,
    optimizer: slots * weights * F32,
    feedback: feedback * F32,
    batch: B * (blocks[0]!.in + classes) * F32,
    total: 0,
  };
  resident.total = resident.weights + resident.optimizer + resident.feedback + resident.batch;
  return { resident, peakTransientBytes, peakBytes: resident.total + peakTransientBytes };
}
