import { formatKernels } from './kernels';
import type { SpeedReport, SpeedResult } from './speed';
import { medianRatioInterval } from './stats';

/** Step-time ratios the issue tracks; undefined where a contender is missing. */
export interface SpeedRatios {
  /** stepMs(rule) ÷ stepMs(bp) for every other rule. */
  vsBp: Record<string, number>;
  /** trainingFlops(rule) ÷ trainingFlops(bp): the step-time ratio the matrix products alone predict. */
  flopsVsBp?: Record<string, number>;
  /** vsBp ÷ flopsVsBp: 1 when a rule's step costs exactly its extra products (MLPs only). */
  timePerFlopVsBp?: Record<string, number>;
  /**
   * A 95 % interval of timePerFlopVsBp from the run's own paired steps (bootstrap over rounds,
   * `medianRatioInterval`): how far the figure moves within this run. Runs on a shared machine
   * differ by more; quote several.
   */
  timePerFlopInterval?: Record<string, [number, number]>;
  /** stepMs(tfjs-layers) ÷ stepMs(bp): how many times faster our BP is than stock tfjs-layers. */
  bpSpeedupOverLayers?: number;
  /** The same two, from CPU time per step (less sensitive to other jobs on the machine). */
  cpuVsBp?: Record<string, number>;
  cpuBpSpeedupOverLayers?: number;
  /** samples/s of bp ÷ samples/s of the PyTorch reference (BP) on the same net, batch and threads. */
  vsTorch?: number;
  /** The same from CPU time per step (all threads of each process). */
  cpuVsTorch?: number;
  /**
   * vsTorch ÷ the share of bp's kernel time spent in matrix products and convolutions (with
   * `kernels`): the vsTorch bp would reach were everything else in its step free, i.e. the best
   * this backend's product kernels allow.
   */
  productCeilingVsTorch?: number;
}

/** Contenders that are yardsticks, not rules: left out of the per-rule ratios. */
const PEERS = new Set(['tfjs-layers', 'torch']);

export function speedRatios(r: SpeedReport): SpeedRatios {
  const by = new Map(r.results.map((x) => [x.rule, x]));
  const bp = by.get('bp');
  const vsBp: Record<string, number> = {};
  if (bp) for (const x of r.results) if (x.rule !== 'bp' && !PEERS.has(x.rule)) vsBp[x.rule] = x.stepMs / bp.stepMs;
  const layers = by.get('tfjs-layers');
  const out: SpeedRatios = { vsBp, ...(bp && layers ? { bpSpeedupOverLayers: layers.stepMs / bp.stepMs } : {}) };
  if (bp?.gflops) {
    const flopsOf = (x: SpeedResult) => x.gflops! * x.stepMs;
    const rules = r.results.filter((x) => x.gflops && x.rule !== 'bp' && !PEERS.has(x.rule));
    out.flopsVsBp = Object.fromEntries(rules.map((x) => [x.rule, flopsOf(x) / flopsOf(bp)]));
    out.timePerFlopVsBp = Object.fromEntries(rules.map((x) => [x.rule, bp.gflops! / x.gflops!]));
    const paired = bp.stepSamples?.length ? rules.filter((x) => x.stepSamples?.length === bp.stepSamples!.length) : [];
    if (paired.length) {
      out.timePerFlopInterval = Object.fromEntries(paired.map((x) => {
        const [lo, hi] = medianRatioInterval(x.stepSamples!, bp.stepSamples!);
        const f = out.flopsVsBp![x.rule]!;
        return [x.rule, [lo / f, hi / f]];
      }));
    }
  }
  if (bp?.cpuMs) {
    out.cpuVsBp = {};
    for (const x of r.results) if (x.cpuMs && x.rule !== 'bp' && !PEERS.has(x.rule)) out.cpuVsBp[x.rule] = x.cpuMs / bp.cpuMs;
    if (layers?.cpuMs) out.cpuBpSpeedupOverLayers = layers.cpuMs / bp.cpuMs;
  }
  const torch = by.get('torch');
  if (bp && torch) {
    out.vsTorch = torch.stepMs / bp.stepMs;
    if (bp.cpuMs && torch.cpuMs) out.cpuVsTorch = torch.cpuMs / bp.cpuMs;
    // vsTorch ÷ the products' share of bp's kernel time: step times from the interleaved run, the
    // share from the profiled steps (a ratio, so a machine slowed meanwhile does not move it)
    if (bp.kernels?.productMs) out.productCeilingVsTorch = out.vsTorch / (bp.kernels.productMs / bp.kernels.totalMs);
  }
  return out;
}

/** JSON-lines events: one `speed` event per contender, one `matmul`, one `speed-summary`. */
export function speedEvents(r: SpeedReport, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  const round = (x: number | undefined, d: number) => (x === undefined ? undefined : Math.round(x * 10 ** d) / 10 ** d);
  const sig = (x: number | undefined) => (x === undefined ? undefined : Number(x.toPrecision(4)));
  return [
    ...r.results.map((x: SpeedResult) => ({
      event: 'speed', rule: x.rule, stepMs: sig(x.stepMs), cpuMs: sig(x.cpuMs), samplesPerSec: Math.round(x.samplesPerSec),
      gflops: sig(x.gflops), gemmFraction: sig(x.gemmFraction), backend: x.backend, loss: round(x.loss, 5),
      ...(x.kernels
        ? { kernels: { steps: x.kernels.steps, totalMs: sig(x.kernels.totalMs), productMs: sig(x.kernels.productMs),
            byKernel: x.kernels.byKernel.slice(0, 12).map((k) => ({ kernel: k.kernel, ms: sig(k.ms), calls: k.calls })) } }
        : {}),
    })),
    ...(r.matmul
      ? [{ event: 'matmul', backend: r.backend, gflops: round(r.matmul.gflops, 3), freshGflops: round(r.matmul.freshGflops, 3),
          shapes: r.matmul.perShape.map((s) => ({ mkn: s.shape, ms: round(s.ms, 3), gflops: round(s.gflops, 2), freshGflops: round(s.freshGflops, 2) })) }]
      : []),
    { event: 'speed-summary', ...speedRatios(r), ...extra },
  ];
}

/** A human-readable table with the ratios underneath. */
export function formatSpeed(r: SpeedReport): string {
  const rows = r.results.map((x) =>
    `${x.rule.padEnd(12)} ${x.stepMs.toFixed(2).padStart(9)} ${(x.cpuMs?.toFixed(2) ?? '-').padStart(8)} ${Math.round(x.samplesPerSec).toString().padStart(9)} ` +
    `${(x.gflops?.toFixed(2) ?? '-').padStart(8)} ${(x.gemmFraction?.toFixed(2) ?? '-').padStart(9)}`);
  const ratios = speedRatios(r);
  const lines = [
    r.matmul
      ? `backend ${r.backend}; backend matMul on the layer shapes: ${r.matmul.gflops.toFixed(2)} GFLOP/s ` +
        `(${r.matmul.freshGflops.toFixed(2)} with a new right operand each call, as in training)`
      : `backend ${r.backend}`,
    ...(r.matmul && r.matmulXnnpack
      ? [`XNNPACK's matMul on the same shapes: ${r.matmulXnnpack.gflops.toFixed(2)} GFLOP/s (${r.matmulXnnpack.freshGflops.toFixed(2)} new right operand); ` +
          `wasm-gemm ÷ XNNPACK ${(r.matmul.gflops / r.matmulXnnpack.gflops).toFixed(2)}× (${(r.matmul.freshGflops / r.matmulXnnpack.freshGflops).toFixed(2)}× new right operand)`]
      : []),
    `${'rule'.padEnd(12)} ${'step ms'.padStart(9)} ${'cpu ms'.padStart(8)} ${'samples/s'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'gemm frac'.padStart(9)}`,
    ...rows,
    ...Object.entries(ratios.vsBp).map(([k, v]) =>
      `${k}/bp step time: ${v.toFixed(3)}${ratios.cpuVsBp?.[k] ? ` (cpu time: ${ratios.cpuVsBp[k]!.toFixed(3)})` : ''}` +
      (ratios.flopsVsBp?.[k] ? `; FLOP ratio ${ratios.flopsVsBp[k]!.toFixed(3)}, step time per FLOP ${ratios.timePerFlopVsBp![k]!.toFixed(3)}× bp's` : '') +
      (ratios.timePerFlopInterval?.[k] ? ` (95 % interval within this run ${ratios.timePerFlopInterval[k]!.map((x) => x.toFixed(3)).join('–')})` : '')),
    ...(ratios.bpSpeedupOverLayers
      ? [`bp vs tfjs-layers: ${ratios.bpSpeedupOverLayers.toFixed(2)}× faster` +
          (ratios.cpuBpSpeedupOverLayers ? ` (cpu time: ${ratios.cpuBpSpeedupOverLayers.toFixed(2)}×)` : '')]
      : []),
    ...(ratios.vsTorch
      ? [`bp / torch samples/s: ${ratios.vsTorch.toFixed(3)}` + (ratios.cpuVsTorch ? ` (cpu time: ${ratios.cpuVsTorch.toFixed(3)})` : '') +
          ` [torch: ${r.results.find((x) => x.rule === 'torch')!.backend}]`]
      : []),
    ...kernelLines(r, ratios),
  ];
  return lines.join('\n') + '\n';
}

/** Per contender: kernel time per step, the share in products, the largest kernels; the ceiling. */
function kernelLines(r: SpeedReport, ratios: SpeedRatios): string[] {
  const profiled = r.results.filter((x) => x.kernels);
  if (!profiled.length) return [];
  return [
    `kernel time per step (tf.profile, ${profiled[0]!.kernels!.steps} steps each; products = matMul and conv kernels):`,
    ...profiled.map((x) => {
      const k = x.kernels!;
      return `  ${x.rule}: ${k.totalMs.toFixed(2)} ms, products ${k.productMs.toFixed(2)} (${Math.round((100 * k.productMs) / k.totalMs)} %); ${formatKernels(k)}`;
    }),
    ...(ratios.productCeilingVsTorch
      ? [`bp / torch with bp's products alone (everything else free): ${ratios.productCeilingVsTorch.toFixed(3)}`]
      : []),
  ];
}
