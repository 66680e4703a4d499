import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { FblError, selectBackend } from '@feedback-lab/core';
import { toLayersModel, type InputNormalization } from '@feedback-lab/checkpoint/layers';
import { writeLayersModel } from '@feedback-lab/checkpoint/node';
import { normalizationOf } from '@feedback-lab/datasets';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { openRunDataset, type RunConfig } from '../run-config';
import { loadRun } from '../run-checkpoint';
import type { Io } from '../io';
import { prepareOutputDir } from '../fs-errors';

export const EXPORT_OPTIONS = {
  checkpoint: { kind: 'string', help: 'checkpoint directory written by fbl train --checkpoint-dir (required)' },
  out: { kind: 'string', help: 'directory for model.json and weights.bin (required)' },
  'data-dir': { kind: 'string', help: "the run's data, where a --normalize checkpoint that predates recorded statistics must compute them again" },
  json: { kind: 'boolean', help: 'print one JSON object' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

/**
 * `fbl export --checkpoint DIR --out DIR`: the trained network as a standard TensorFlow.js
 * LayersModel, loadable with `tf.loadLayersModel` and nothing from feedback-lab. A run trained
 * with --normalize gets its input standardisation as the model's first layer, so the model
 * takes the [0, 1]-scaled pixels a user has.
 */
export async function exportModel(argv: readonly string[], io: Io): Promise<number> {
  const o = parseOptions(argv, EXPORT_OPTIONS);
  if (o.help) {
    io.out(formatHelp('usage: fbl export --checkpoint DIR --out DIR', EXPORT_OPTIONS));
    return 0;
  }
  if (o._.length) throw new UsageError(`unexpected argument "${o._[0]}"`);
  if (!o.checkpoint) throw new UsageError('--checkpoint DIR is required');
  if (!o.out) throw new UsageError('--out DIR is required');
  const ck = await loadRun(o.checkpoint);
  prepareOutputDir(o.out, '--out'); // before the model is built, and without leaving a directory for a missing checkpoint
  const inputNormalization = await normalizationOfRun(ck.config, o.checkpoint, o['data-dir'], (l) => io.err.write(`${l}\n`));
  await selectBackend('cpu'); // export is a copy; any backend gives the same bytes
  const { spec, data } = ck.config;
  // Params come straight from the checkpoint, in block order (param/<block>/<index>).
  const params = ck.state.arrays.filter((a) => a.name.startsWith('param/'));
  const order = (n: string) => n.split('/').slice(1).map(Number);
  params.sort((a, b) => order(a.name)[0]! - order(b.name)[0]! || order(a.name)[1]! - order(b.name)[1]!);
  const weights = params.map((a) => tf.tensor(a.data, a.shape, a.dtype));
  let model: LayersModel;
  try {
    model = toLayersModel({ ...spec, name: `fbl_${ck.config.rule}_${spec.name ?? 'model'}`, inputNormalization }, data.inputShape, weights);
  } catch (err) {
    tf.dispose(weights);
    throw err;
  }
  try {
    const files = await writeLayersModel(model, o.out);
    const norm = inputNormalization ? `, its first standardising the inputs with mean [${inputNormalization.mean.map(round4)}], std [${inputNormalization.std.map(round4)}]` : '';
    if (o.json) io.out(JSON.stringify({ ...files, rule: ck.config.rule, step: ck.position.step, layers: model.layers.length, ...(inputNormalization ? { inputNormalization } : {}) }) + '\n');
    else io.out(`exported ${ck.config.rule} model (step ${ck.position.step}, ${model.layers.length} layers${norm}) to ${files.modelJson}\n`);
  } finally {
    model.dispose();
    tf.dispose(weights);
  }
  return 0;
}

const round4 = (v: number) => Number(v.toFixed(4));

/**
 * The standardisation the run's inputs had, which the exported model must apply itself: as the
 * checkpoint records it, or, for a --normalize checkpoint from before it was recorded, computed
 * again from the run's data (as `fbl eval` does). Without the data that is a refusal: an export
 * without the normalisation would take raw pixels and silently score less.
 */
async function normalizationOfRun(c: RunConfig, what: string, dataDir: string | undefined, log: (line: string) => void): Promise<InputNormalization | undefined> {
  if (c.data.normalization) return c.data.normalization;
  if (!c.normalize) return undefined;
  try {
    // undefined for data that is never standardised (blobs, spirals)
    return normalizationOf(await openRunDataset({ ...c, ...(dataDir ? { 'data-dir': dataDir } : {}) }, log));
  } catch (err) {
    // the data's own refusals, and a file-system fault reading it (a directory for a file)
    if (!(err instanceof FblError || err instanceof UsageError || typeof (err as NodeJS.ErrnoException).code === 'string')) throw err;
    throw new FblError('DATA_MISSING', `${what} was trained with --normalize but does not record the statistics (an older checkpoint), and its ${c.dataset} data to compute them from cannot be read (${(err as Error).message}); pass --data-dir DIR with the run's ${c.dataset} data`, { cause: err });
  }
}
