import { FblError, IN_PLACE_MIN_ELEMENTS, outSize, productsInUse, size, type ModelSpec, type RuleDescriptor } from '@feedback-lab/core';

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
  /**
   * Whose products the step runs (default: this engine's, core's `productsInUse()`): `xnnpack`
   * evaluates the rule's `memory.xnnpack` coefficients where it has them.
   */
  products?: 'wasm-gemm' | 'xnnpack';
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

// The formula's shape is here (see RuleMemoryModel in core's descriptor.ts); each rule's
// coefficients [a, b, ℓ, c, d, s] and batch-norm terms are in its descriptor. `fbl bench
// memory-fit` (apps/bench's memory-fit.ts) measures them and refits them: it profiles momentum
// steps in distinct tensor buffers (core's lean tape: saved tensors are aliases, activations keep
// only their output, saved tensors and passed gradients are freed as the backward pass uses them)
// on 72 steps: tanh MLPs of widths 64/128/256 × depths 1/2/4/6 × batch 32/128/1024, six irregular
// MLPs, mnist-conv and cifar-conv at batch 32/64/128, four small conv nets at 32 and 96, the
// memory-depth bench's conv stack, and the batch-norm nets where budget decisions are made
// (long-fc-2/10/30 at batch 256–2048, long-conv-2/10/30 at 64–512). The fit keeps every step's
// under-prediction within 5 % (a budget check that under-predicts lets through a run that does
// not fit) with the smallest worst error. Each rule has two sets, fitted on wasm-gemm's products
// and on XNNPACK's (`memory.xnnpack`: FBL_WASM_GEMM=0 fbl bench memory-fit), whose transposes make
// MLP steps at batch 1024 hold up to 1.5× more. Worst under / over-prediction (predicted/measured
// − 1) since activation gradients and sign became one kernel each (core's activation-grads.ts,
// sign.ts), wasm-gemm's set: bp and fa −4.6 / +17.6 %, kp −4.5 / +32.9 %, dfa −5.0 / +20.5 %,
// mem-dfa −5.0 / +5.2 %, drtp −4.4 / +14.2 %, the sign family −4.3 / +22.8 % (the largest on conv
// nets and MLPs under 5 MiB); XNNPACK's set −5.0 … −3.4 / +11.3 … +32.9 %
// (apps/bench/results/memory-fit.md). Large weights updated in place (`updateScratch` below):
// where that update is the peak, on 784-256-1024-1024-10 at batch 32, the prediction is exact.
// Causes found on the way: a batch-norm block's local pass (MEM-DFA, DRTP) holds ~5.5 more
// activation-sized tensors (x̂, the value before the activation, dy·x̂, the centred gradient's
// terms) and dense ones were not counted: long-fc at large batch was predicted at half its peak
// (−29 % of the total at long-fc-100, batch 8192); a block's held input is exact, its transposed
// copy for ∂W is a·B·in for every block; KP's update holds B's gradient beside W's, block by
// block. A pooled conv block's local pass holds its pooling gradient, B·pre (s in the block
// schedule: without it MEM-DFA over-predicted unpooled conv nets by 33–48 % to fit pooled ones).
// The sign family's B_k is made of 2 or 3 weight-sized tensors (`copies`): sign(W) as
// step(x) − step(−x) held three more, which a 2·W update term had covered.
// Neither pooling kind needs scratch with core's own gradients (d fits ≈ 0).

const F32 = 4;
/**
 * Weight-sized buffers the momentum update makes for the weight it applies: core's fused wasm
 * kernel (FblMomentum) writes the new accumulator and the new weight, 2·W, and the old ones are
 * freed as they are assigned. tfjs's four kernels (the cpu fallback) hold one more, m·accum.
 */
const UPDATE_SCRATCH = 2;
/**
 * The update's scratch for a weight of w elements: none where core updates it in place (at least
 * IN_PLACE_MIN_ELEMENTS, its data not shared).
 */
const updateScratch = (w: number) => (w >= IN_PLACE_MIN_ELEMENTS ? 0 : UPDATE_SCRATCH * w);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
// not Math.max(...xs): spreading a long array overflows the stack
const max = (xs: readonly number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);

/** Peak transient floats of one step (distinct buffer bytes / 4). */
function transientFloats(m: RuleDescriptor['memory'], blocks: readonly BlockShape[], B: number, regenerate: boolean): number {
  const classes = blocks.at(-1)!.out;
  const [a, b, loss, c, d, s] = m.coefficients;
  const P = blocks.map((x) => x.params);
  const W = blocks.map((x) => x.weights);
  const pooled = (x: BlockShape) => (x.pool ? B * x.pre : 0);
  // scratch of average pooling's gradient (≈ 0 with core's kernels)
  const avgPooled = (x: BlockShape) => (x.pool === 'avg' ? B * x.pre : 0);
  const conv = (x: BlockShape) => (x.conv ? B * x.pre : 0);
  if (m.schedule === 'block') {
    // one block's working set at a time: the largest decides, wherever it sits. A batch-norm
    // block's local pass holds k more activation-sized tensors (its normalised x̂, the value
    // before the activation, dy·x̂ and the centred gradient's terms): k·B·out.
    const [kDense] = m.batchNorm.dense;
    const [kConv] = m.batchNorm.conv;
    return max(blocks.map((x, k) => {
      // the block's input, held until its update is applied (the first block's is the batch)
      const input = k > 0 ? B * x.in : 0;
      const update = x.params + updateScratch(x.weights) + B * (x.out + classes) + input;
      // a·B·in: working copies of the input (∂W = xᵀ·dy transposes it), for every block
      const local = input + a * B * x.in + b * B * x.out + loss * B * classes + x.params + c * conv(x) + d * avgPooled(x) + s * pooled(x);
      return Math.max(update, local + (x.bn ? (x.conv ? kConv : kDense) * B * x.out : 0));
    }));
  }
  const saved = blocks.slice(0, -1).map((x) => B * x.out + s * pooled(x));
  const signals = m.holds === 'signals' ? sum(blocks.slice(0, -1).map((x) => B * x.out)) : 0;
  // sign(W_k), or FA's regenerated B_k: made when the backward pass reaches block k, freed after it
  const copying = m.holds === 'weight-copies' || (m.feedback === 'mirror' && regenerate);
  const copy = (k: number) => (copying && k > 0 ? W[k]! : 0);
  // Σ_(i<k) saved_i and Σ_(i>k) P_i as running sums (linear in depth, the same additions in the same order)
  const savedBefore = [0];
  for (const x of saved) savedBefore.push(savedBefore.at(-1)! + x);
  let peak = 0;
  let paramsAfter = 0;
  for (let k = blocks.length - 1; k >= 0; k--) {
    const x = blocks[k]!;
    const work = a * B * x.in + b * B * x.out + c * conv(x) + d * avgPooled(x);
    peak = Math.max(peak, savedBefore[k]! + paramsAfter + signals + copy(k) + work + P[k]! + loss * B * classes);
    // while the copy is made: the tensors it is made of, beside block k's incoming gradient
    if (copying && k > 0) peak = Math.max(peak, savedBefore[k]! + paramsAfter + signals + (m.copies ?? 1) * W[k]! + B * x.out + loss * B * classes);
    paramsAfter += P[k]!;
  }
  // batch norm's own tape (see above)
  const hidden = blocks.slice(0, -1);
  const denseBn = hidden.filter((x) => !x.conv && x.bn).map((x) => x.out);
  const convBn = hidden.filter((x) => x.conv && x.bn).map((x) => x.out);
  const term = ([k, c]: readonly [number, number], outs: number[]) => (outs.length ? Math.max(0, B * (k * sum(outs) + c * max(outs))) : 0);
  const bn = term(m.batchNorm.dense, denseBn) + term(m.batchNorm.conv, convBn);
  // or the update, with every gradient alive and the optimizer's scratch for the largest weight
  return Math.max(peak + bn, m.holds === 'feedback-grads' ? learnedUpdate(P, W) : sum(P) + max(W.map((w) => updateScratch(w))));
}

/**
 * The update of a rule that learns its feedback (KP), block by block: block k's gradients and its
 * B_k's (shaped like W_k, every block but the first), the later blocks' gradients not yet
 * applied, and 3·W_k of scratch (KP's update of W_k and B_k, as measured: the fused momentum's
 * 2·W_k under-predicted by 20 %); the earlier blocks' are applied and freed.
 */
function learnedUpdate(P: readonly number[], W: readonly number[]): number {
  let peak = 0;
  let after = 0;
  for (let k = P.length - 1; k >= 0; k--) {
    peak = Math.max(peak, after + P[k]! + (k > 0 ? 4 : 3) * W[k]!);
    after += P[k]!;
  }
  return peak;
}

/**
 * Predicts the resident and peak transient tensor bytes (distinct buffers) of one training
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
  const m = (o.products ?? productsInUse()) === 'xnnpack' && o.rule.memory.xnnpack ? { ...o.rule.memory, ...o.rule.memory.xnnpack } : o.rule.memory;
  const blocks = blockShapes(o);
  const B = o.batchSize;
  const classes = blocks.at(-1)!.out;
  const weights = sum(blocks.map((b) => b.params));
  const stats = 2 * sum(blocks.map((b) => b.bn)); // running mean and variance: resident, not trained
  const slots = { sgd: 0, momentum: 1, adam: 2 }[o.optimizer ?? 'momentum'];
  // FA's B_i has the shape of W_i for every block but the first; DFA, MEM-DFA and DRTP use a
  // classes×n_out matrix per hidden block. Regenerated, none is resident; FA's are built for the
  // step and alive until it ends (the transient term counts them), the others' one at a time.
  const regen = o.feedback === 'regenerate';
  const feedback = regen || m.feedback === 'none' ? 0
    : m.feedback === 'mirror' ? sum(blocks.slice(1).map((b) => b.weights))
    : sum(blocks.slice(0, -1).map((b) => classes * b.out));
  const peakTransientBytes = Math.max(0, Math.round(transientFloats(m, blocks, B, regen))) * F32;
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
