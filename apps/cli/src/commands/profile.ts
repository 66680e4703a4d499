import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, describeBackend, mlp, parseArch, selectBackend, softmaxCrossEntropy, type BackendName } from '@feedback-lab/core';
import { MODELLED_RULES, predictMemory, profileStep } from '@feedback-lab/profiler';
import { OPTIMIZERS, createOptimizer, type OptimizerName } from '@feedback-lab/trainer';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { RULES, RULE_NAMES, type RuleName } from '../registry';
import type { Io } from '../io';

export const PROFILE_OPTIONS = {
  rule: { kind: 'string', choices: RULE_NAMES, default: 'mem-dfa', help: 'learning rule' },
  arch: { kind: 'string', default: '784-800-800-10', help: 'layer widths joined by "-"' },
  'batch-size': { kind: 'int', default: 64, min: 1, help: 'samples per step' },
  optimizer: { kind: 'string', choices: OPTIMIZERS, default: 'momentum', help: 'optimizer' },
  'feedback-mode': { kind: 'string', choices: ['stored', 'regenerate'], default: 'stored', help: 'dfa/mem-dfa: keep feedback matrices or regenerate them' },
  seed: { kind: 'int', default: 1, min: 0, help: 'seed' },
  backend: { kind: 'string', choices: BACKENDS.filter((b) => b === 'wasm' || b === 'cpu'), default: 'wasm', help: 'tfjs backend' },
  json: { kind: 'boolean', help: 'print one JSON object' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

/** `fbl profile`: one step's memory by phase, resident vs transient, measured vs predicted. */
export async function profile(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, PROFILE_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl profile [options]', PROFILE_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  const backend = await selectBackend(o.backend as BackendName);
  const arch = parseArch(o.arch!);
  const B = o['batch-size']!;
  const feedback = o['feedback-mode'] as 'stored' | 'regenerate';
  const model = mlp({ arch, activation: 'tanh', seed: o.seed });
  const rule = RULES[o.rule as RuleName]({ seed: o.seed!, feedback });
  const optimizer = createOptimizer({ name: o.optimizer as OptimizerName, lr: 0.001 });
  const classes = arch[arch.length - 1]!;
  const labels = Uint8Array.from({ length: B }, (_, i) => i % classes);
  const batch = {
    x: tf.randomUniform([B, arch[0]!], 0, 1, 'float32', o.seed),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes).toFloat()),
    labels, size: B,
  };
  try {
    const p = await profileStep({ model, rule, optimizer, batch, loss: softmaxCrossEntropy });
    // Rules without a formula in the profiler's memory model are measured, not predicted.
    const pred = (MODELLED_RULES as readonly string[]).includes(o.rule!)
      ? predictMemory({ arch, batchSize: B, rule: o.rule!, optimizer: o.optimizer as OptimizerName, feedback })
      : undefined;
    const predicted = (pick: (x: NonNullable<typeof pred>) => number) => (pred ? mib(pick(pred)) : 'not modelled').padStart(12);
    if (o.json) {
      io.out(JSON.stringify({
        event: 'profile', rule: o.rule, arch: o.arch, batchSize: B, backend: backend.name,
        resident: p.resident, peakTransientBytes: p.peakTransientBytes, wasmHeapBytes: p.wasmHeapBytes,
        predicted: pred ? { resident: pred.resident, peakTransientBytes: pred.peakTransientBytes } : null,
        phases: p.phases.map(({ phase, kernels, peakTransientBytes, ms }) => ({ phase, kernels, peakTransientBytes, ms: Math.round(ms * 100) / 100 })),
      }) + '\n');
      return 0;
    }
    const w = Math.max(12, ...p.phases.map((x) => x.phase.length));
    io.out(`profile of one ${o.rule} step: arch ${o.arch}, batch ${B}, ${o.optimizer}, backend ${describeBackend(backend)}\n\n` +
      `${'phase'.padEnd(w)}  kernels  peak transient  kernel ms\n` +
      p.phases.map((x) => `${x.phase.padEnd(w)}  ${String(x.kernels).padStart(7)}  ${mib(x.peakTransientBytes).padStart(14)}  ${x.ms.toFixed(2).padStart(9)}`).join('\n') +
      `\n\n                 measured     predicted\n` +
      `weights        ${mib(p.resident.weights).padStart(12)}  ${predicted((x) => x.resident.weights)}\n` +
      `optimizer      ${mib(p.resident.optimizer).padStart(12)}  ${predicted((x) => x.resident.optimizer)}\n` +
      `feedback       ${mib(p.resident.feedback).padStart(12)}  ${predicted((x) => x.resident.feedback)}\n` +
      `batch          ${mib(p.resident.batch).padStart(12)}  ${predicted((x) => x.resident.batch)}\n` +
      `peak transient ${mib(p.peakTransientBytes).padStart(12)}  ${predicted((x) => x.peakTransientBytes)}` +
      (pred ? `  (measured/predicted ${(p.peakTransientBytes / pred.peakTransientBytes).toFixed(3)})\n` : '\n') +
      (p.wasmHeapBytes !== undefined ? `wasm heap      ${mib(p.wasmHeapBytes).padStart(12)}  (engine counters miss XNNPACK caches; the heap never shrinks)\n` : ''));
    return 0;
  } finally {
    tf.dispose([batch.x, batch.y]);
    rule.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
