import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '@feedback-lab/core';
import { toLayersModel } from '@feedback-lab/checkpoint/layers';
import { writeLayersModel } from '@feedback-lab/checkpoint/node';
import { UsageError, formatHelp, parseOptions, type Specs } from '../args';
import { loadRun } from '../run-checkpoint';
import type { Io } from '../io';

export const EXPORT_OPTIONS = {
  checkpoint: { kind: 'string', help: 'checkpoint directory written by fbl train --checkpoint-dir (required)' },
  out: { kind: 'string', help: 'directory for model.json and weights.bin (required)' },
  json: { kind: 'boolean', help: 'print one JSON object' },
  help: { kind: 'boolean', help: 'show this help' },
} satisfies Specs;

/**
 * `fbl export --checkpoint DIR --out DIR`: the trained network as a standard TensorFlow.js
 * LayersModel, loadable with `tf.loadLayersModel` and nothing from feedback-lab.
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
  await selectBackend('cpu'); // export is a copy; any backend gives the same bytes
  const { spec, data } = ck.config;
  // Params come straight from the checkpoint, in block order (param/<block>/<index>).
  const params = ck.state.arrays.filter((a) => a.name.startsWith('param/'));
  const order = (n: string) => n.split('/').slice(1).map(Number);
  params.sort((a, b) => order(a.name)[0]! - order(b.name)[0]! || order(a.name)[1]! - order(b.name)[1]!);
  const weights = params.map((a) => tf.tensor(a.data, a.shape, a.dtype));
  let model: LayersModel;
  try {
    model = toLayersModel({ ...spec, name: `fbl_${ck.config.rule}_${spec.name ?? 'model'}` }, data.inputShape, weights);
  } catch (err) {
    tf.dispose(weights);
    throw err;
  }
  try {
    const files = await writeLayersModel(model, o.out);
    if (o.json) io.out(JSON.stringify({ ...files, rule: ck.config.rule, step: ck.position.step, layers: model.layers.length }) + '\n');
    else io.out(`exported ${ck.config.rule} model (step ${ck.position.step}, ${model.layers.length} layers) to ${files.modelJson}\n`);
  } finally {
    model.dispose();
    tf.dispose(weights);
  }
  return 0;
}
