import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, softmaxCrossEntropy, type BackendName } from '@feedback-lab/core';
import { evaluateModel, restoreTrainingState } from '@feedback-lab/trainer';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { buildRun, openRunDataset } from '../run-config';
import { loadRun } from '../run-checkpoint';
import type { Io } from '../io';

export const EVAL_OPTIONS = {
  checkpoint: { kind: 'string', help: 'checkpoint directory written by fbl train --checkpoint-dir (required)' },
  split: { kind: 'string', choices: ['test', 'train'], default: 'test', help: 'which split to score' },
  limit: { kind: 'int', min: 1, help: 'score the first N samples only' },
  json: { kind: 'boolean', help: 'print one JSON object' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

/** `fbl eval --checkpoint DIR`: loss and accuracy of a checkpointed model on a split. */
export async function evaluate(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, EVAL_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl eval --checkpoint DIR [options]', EVAL_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  if (!o.checkpoint) throw new UsageError('--checkpoint DIR is required');
  const ck = await loadRun(o.checkpoint);
  const backend = await selectBackend(ck.config.backend as BackendName);
  const run = await buildRun(ck.config, await openRunDataset(ck.config, (l) => io.err.write(`${l}\n`)));
  try {
    await restoreTrainingState(run.model, run.optimizer, run.rule, ck.state);
    const split = o.split as 'test' | 'train';
    const r = await evaluateModel(run.model, run.dataset, softmaxCrossEntropy, { split, limit: o.limit });
    const fields = { checkpoint: o.checkpoint, split, accuracy: r.accuracy, loss: r.loss, samples: r.samples, step: ck.position.step, rule: ck.config.rule, dataset: run.dataset.name, backend: backend.name };
    if (o.json) io.out(JSON.stringify(fields) + '\n');
    else io.out(`${split} accuracy ${(r.accuracy * 100).toFixed(2)}%  loss ${r.loss.toFixed(4)}  on ${r.samples} samples (${ck.config.rule}, step ${ck.position.step}, ${backend.name})\n`);
  } finally {
    run.dispose();
    tf.disposeVariables();
  }
  return 0;
}
