import { FblError, outSize, size, type ConvTapeFeature, type ModelSpec, type RuleDescriptor } from '@feedback-lab/core';

/** What the memory model needs of a rule: its name (for messages) and its descriptor's formula. */
export type MemoryModelRule = Pick<RuleDescriptor, 'name' | 'memory'>;

export interface MemoryModelInput {
  /** MLP widths, input first, classes last (or give `spec`). */
  arch?: readonly number[];
  /** Any model spec: conv2d blocks (with pooling), then dense blocks (flattened input). */
  spec?: ModelSpec;
  batchSize: number;
  /** The rule's catalog entry or descriptor: its `memory` coefficients are evaluated here. */
  rule: MemoryModelRule;
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

// The formula's shape is here; each rule's fitted coefficients are in its descriptor (its
// package's descriptor.ts), where they were refitted by least squares on profiled steps:
// - MLP, tape rules: each hidden block but the first keeps a·B·(in+out) + b·P on the tape (BP's
//   forward tape and gradients until the single update; FA runs the same tape; DFA's one-pass
//   tape also holds each block's signal B_i·e). Block rules (MEM-DFA, DRTP) hold none of it.
// - One dense block's working set: max of its backward (α·(X+A) + β·P) and its optimizer update
//   (γ·P), plus δ·B·classes for the loss (24 profiled steps per rule: widths 64/128/256, depths
//   1/2/4/6, batch 32/128, momentum; checked on 96×7×48, 160×3×64, 100×10×32, 300×2×128: within
//   3.3 %).
// - Conv nets, tape rules: a linear formula in per-sample features times the batch (below),
//   fitted by non-negative least squares on 6 conv specs (1–3 conv blocks; kernels 3/5; max, avg
//   or no pooling; same/valid padding; stride 1 and 2; 1–4 input channels; a dense head) at
//   batch 32 and 96, then checked on the mnist-conv and cifar-conv presets at 64 and 128.
// - Conv nets, block rules: one block's working set a·B·in + b·B·pre + c·B·out + d·P +
//   e·B·classes (+ 0.32·B·pre for max pooling's shifted copy), fitted per block: within 7 %.
type ConvSums = Record<ConvTapeFeature, number>;
/** Summation order of the conv features (fixed, so a prediction does not depend on key order). */
const CONV_FEATURES: readonly ConvTapeFeature[] = ['sPre', 'sOut', 'sP', 'fIn', 'fPre', 'sMaxPre', 'denseIo'];

const F32 = 4;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Peak transient floats of one step (engine bytes / 4). */
function transientFloats(m: RuleDescriptor['memory'], blocks: readonly BlockShape[], B: number): number {
  const classes = blocks.at(-1)!.out;
  const [alpha, beta, gamma, delta] = m.dense;
  const denseBase = (b: BlockShape) => Math.max(alpha * B * (b.in + b.out) + beta * b.params, gamma * b.params) + delta * B * classes;
  const convs = blocks.filter((b) => b.conv);
  if (m.schedule === 'block') {
    // One block's working set at a time: the largest block decides, wherever it sits (sizing
    // from block 0 alone missed 784-256-4096-4096-10, whose 4096×4096 block is the peak).
    const [a, b, c, d, e] = m.conv;
    // batch norm: 6.1·B·out more per conv block (long-conv-5, momentum; dense BN blocks: not measured)
    const conv = (x: BlockShape) => a * B * x.in + b * B * x.pre + c * B * x.out + d * x.params + e * B * classes + (x.pool === 'max' ? 0.32 * B * x.pre : 0) + (x.bn ? 6.1 * B * x.out : 0);
    return Math.max(...blocks.map((x) => (x.conv ? conv(x) : denseBase(x))));
  }
  const [ta, tb] = m.denseTape;
  const tape = (b: BlockShape) => ta * B * (b.in + b.out) + tb * (b.in * b.out + b.out);
  const hidden = blocks.slice(0, -1).filter((b) => !b.conv);
  if (!convs.length) {
    // Batch norm adds its own tape per block (input, x̂, the normalised output before the
    // activation): fitted on long-fc-5/10 (500-unit sigmoid BN blocks, batch 64, momentum) as
    // k·B·units per BN block less a fixed 15·B·units (the first blocks' share is in the dense base).
    const bnOut = hidden.filter((b) => b.bn).map((b) => b.out);
    const bnTape = bnOut.length ? Math.max(0, m.batchNorm.dense * B * sum(bnOut) - 15 * B * Math.max(...bnOut)) : 0;
    // MLP: the tape of every block but the first (whose working set is the dense base) and the
    // last; or the single update, with every gradient alive and γ·P of scratch for the largest
    // weight (784-256-1024-1024-10: the 1024×1024 block's update is the peak, not block 0's).
    const params = blocks.map((b) => b.params);
    const update = sum(params) + gamma * Math.max(...params);
    return Math.max(sum(hidden.slice(1).map(tape)) + denseBase(blocks[0]!) + bnTape, update);
  }
  const s: ConvSums = {
    sPre: B * sum(convs.map((b) => b.pre)),
    sOut: B * sum(convs.map((b) => b.out)),
    sP: sum(blocks.map((b) => b.params)),
    fIn: B * convs[0]!.in,
    fPre: B * convs[0]!.pre,
    sMaxPre: B * sum(convs.filter((b) => b.pool === 'max').map((b) => b.pre)),
    denseIo: B * sum(hidden.map((b) => b.in + b.out)),
  };
  let floats = 0;
  for (const f of CONV_FEATURES) if (m.conv[f] !== undefined) floats += m.conv[f] * s[f];
  // Batch norm in conv blocks: k·B·Σout + 2.7·B·max out, fitted on long-conv-5/10 (BP) and
  // long-conv-5 (DFA; FA and sign-symmetry take BP's, unmeasured).
  const bnOut = convs.filter((b) => b.bn).map((b) => b.out);
  const convBn = bnOut.length ? B * (m.batchNorm.conv * sum(bnOut) + 2.7 * Math.max(...bnOut)) : 0;
  return floats + (m.conv.denseTape ? sum(hidden.map(tape)) : 0) + convBn;
}

/**
 * Predicts the resident and peak transient tensor bytes (engine `numBytes`) of one training
 * step, from the model's shapes (MLP widths or a spec with conv blocks), the batch size, the
 * rule and the optimizer, without allocating anything. Used for measured-vs-predicted reports,
 * the memory-budget guard and the heap guard's first step.
 *
 * @example
 * predictMemory({ arch: [256, ...Array(100).fill(256), 10], batchSize: 128, rule: memDfaRule });
 * predictMemory({ spec: presetSpec('cifar-conv'), batchSize: 64, rule: ruleByName('bp') });
 */
export function predictMemory(o: MemoryModelInput): MemoryPrediction {
  if (!o.spec && !o.arch) throw new FblError('INVALID_OPTION', 'predictMemory needs arch (MLP widths) or spec');
  const m = o.rule.memory;
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
  const feedback = regen || m.feedback === 'none' ? 0
    : m.feedback === 'mirror' ? sum(blocks.slice(1).map((b) => b.weights))
    : sum(blocks.slice(0, -1).map((b) => classes * b.out));
  const peakTransientBytes = Math.max(0, Math.round(transientFloats(m, blocks, B))) * F32;
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
