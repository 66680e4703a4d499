import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, buildModel, describeBackend, selectBackend, size, softmaxCrossEntropy, type BackendName, type ModelSpec } from '@feedback-lab/core';
import { predictMemory, profileStep } from '@feedback-lab/profiler';
import { RULE_NAMES, ruleByName } from '@feedback-lab/rules';
import { OPTIMIZERS, createOptimizer, type OptimizerName } from '@feedback-lab/trainer';
import { SEED_MAX, UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { resolveSpec } from '../model-choice';
import { MODEL_OPTIONS } from '../options';
import type { Io } from '../io';
import { THREADS_OPTION, noteBackend, threadsFor } from '../threads';

export const PROFILE_OPTIONS = {
  rule: { kind: 'string', choices: RULE_NAMES, default: 'mem-dfa', help: 'learning rule' },
  ...MODEL_OPTIONS,
  'batch-size': { kind: 'int', default: 64, min: 1, help: 'samples per step' },
  optimizer: { kind: 'string', choices: OPTIMIZERS, default: 'momentum', help: 'optimizer' },
  'feedback-mode': { kind: 'string', choices: ['stored', 'regenerate'], default: 'stored', help: 'fa/dfa/mem-dfa/drtp: keep feedback matrices or regenerate them' },
  seed: { kind: 'int', default: 1, min: 0, max: SEED_MAX, help: 'seed' },
  backend: { kind: 'string', choices: BACKENDS.filter((b) => b === 'wasm' || b === 'cpu'), default: 'wasm', help: 'tfjs backend' },
  ...THREADS_OPTION,
  json: { kind: 'boolean', help: 'print one JSON object' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

/**
 * The spec to profile on random inputs: no dataset is opened, so a preset gets MNIST's shape
 * (deep-mlp-<L>: 784 inputs, 10 classes; the conv presets carry their own input shape), an
 * --arch its own first and last widths, a --model file its input and last layer.
 */
function profiledSpec(o: { arch?: string; activation?: string; preset?: string; model?: string }): { spec: ModelSpec; label: string } {
  const arch = o.arch ?? (o.preset === undefined && o.model === undefined ? '784-800-800-10' : undefined);
  const widths = arch?.split('-').map(Number);
  const shape = { name: 'random batches', inputShape: [widths?.[0] ?? 784], numClasses: widths?.at(-1) ?? 10 };
  return resolveSpec({ ...o, arch }, shape);
}

/** `fbl profile`: one step's memory by phase, resident vs transient, measured vs predicted. */
export async function profile(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, PROFILE_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl profile [options]', PROFILE_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  const backend = await selectBackend(o.backend as BackendName, { threads: threadsFor(o) });
  noteBackend(backend, io);
  const { spec, label } = profiledSpec(o);
  const last = spec.layers.at(-1)!;
  if (last.type !== 'dense') throw new UsageError(`${label}: the last layer must be dense (one unit per class)`);
  const classes = last.units;
  const B = o['batch-size']!;
  const feedback = o['feedback-mode'] as 'stored' | 'regenerate';
  const optimizerName = o.optimizer as OptimizerName;
  const model = buildModel(spec, { inputShape: spec.input, numClasses: classes, seed: o.seed });
  const rule = (await ruleByName(o.rule!).load())({ seed: o.seed!, 'feedback-mode': feedback });
  const optimizer = createOptimizer({ name: optimizerName, lr: 0.001 });
  const labels = Uint8Array.from({ length: B }, (_, i) => i % classes);
  const batch = {
    x: tf.randomUniform([B, ...spec.input], 0, 1, 'float32', o.seed),
    y: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes), 'float32')),
    labels, size: B,
  };
  try {
    const p = await profileStep({ model, rule, optimizer, batch, loss: softmaxCrossEntropy });
    // Every catalogued rule's descriptor carries its memory formula.
    const pred = predictMemory({ spec, batchSize: B, rule: ruleByName(o.rule!), optimizer: optimizerName, feedback });
    const measuredPeak = p.resident.total + p.peakTransientBytes;
    if (o.json) {
      io.out(JSON.stringify({
        event: 'profile', rule: o.rule, model: label, ...(o.arch ? { arch: o.arch } : {}), batchSize: B, backend: backend.name,
        resident: p.resident, peakTransientBytes: p.peakTransientBytes, peakBytes: measuredPeak, wasmHeapBytes: p.wasmHeapBytes,
        predicted: { resident: pred.resident, peakTransientBytes: pred.peakTransientBytes, peakBytes: pred.peakBytes },
        phases: p.phases.map(({ phase, kernels, peakTransientBytes, ms }) => ({ phase, kernels, peakTransientBytes, ms: Math.round(ms * 100) / 100 })),
      }) + '\n');
      return 0;
    }
    const predicted = (pick: (x: typeof pred) => number) => mib(pick(pred)).padStart(12);
    const ratio = (m: number, x: number) => `  (measured/predicted ${(m / x).toFixed(3)})`;
    const w = Math.max(12, ...p.phases.map((x) => x.phase.length));
    io.out(`profile of one ${o.rule} step: ${label}, ${size(spec.input)} inputs, batch ${B}, ${o.optimizer}, backend ${describeBackend(backend)}\n\n` +
      `${'phase'.padEnd(w)}  kernels  peak transient  kernel ms\n` +
      p.phases.map((x) => `${x.phase.padEnd(w)}  ${String(x.kernels).padStart(7)}  ${mib(x.peakTransientBytes).padStart(14)}  ${x.ms.toFixed(2).padStart(9)}`).join('\n') +
      `\n\n                 measured     predicted\n` +
      `weights        ${mib(p.resident.weights).padStart(12)}  ${predicted((x) => x.resident.weights)}\n` +
      `optimizer      ${mib(p.resident.optimizer).padStart(12)}  ${predicted((x) => x.resident.optimizer)}\n` +
      `feedback       ${mib(p.resident.feedback).padStart(12)}  ${predicted((x) => x.resident.feedback)}\n` +
      `batch          ${mib(p.resident.batch).padStart(12)}  ${predicted((x) => x.resident.batch)}\n` +
      `peak transient ${mib(p.peakTransientBytes).padStart(12)}  ${predicted((x) => x.peakTransientBytes)}` +
      `${ratio(p.peakTransientBytes, pred.peakTransientBytes)}\n` +
      `peak total     ${mib(measuredPeak).padStart(12)}  ${predicted((x) => x.peakBytes)}` +
      `${ratio(measuredPeak, pred.peakBytes)}\n` +
      (p.wasmHeapBytes !== undefined
        ? `wasm heap      ${mib(p.wasmHeapBytes).padStart(12)}  (engine counters miss XNNPACK caches; the heap never shrinks)\n`
        : ''));
    return 0;
  } finally {
    tf.dispose([batch.x, batch.y]);
    rule.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
