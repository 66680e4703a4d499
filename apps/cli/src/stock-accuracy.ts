import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@feedback-lab/core';
import { openDataset } from './datasets';

/** Loads an `fbl export` directory (model.json + weights.bin) with the stock loader, as a browser would from a URL. */
export async function loadStockModel(dir: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const weights = readFileSync(join(dir, json.weightsManifest[0]!.paths[0]!));
  return tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
}

/**
 * Test accuracy of an exported model in stock tfjs-layers, fed the data as a user has it:
 * [0, 1]-scaled pixels, never standardised (an export of a --normalize run does that itself).
 *
 * @example
 * // node --conditions=@feedback-lab/source --import tsx apps/cli/src/stock-accuracy.ts model/ cifar10 /data/cifar
 */
export async function stockAccuracy(dir: string, dataset: string, dataDir?: string): Promise<{ accuracy: number; samples: number }> {
  const data = await openDataset(dataset, { dataDir });
  const model = await loadStockModel(dir);
  let correct = 0;
  for await (const b of data.batches({ split: 'test', batchSize: 500 })) {
    const predicted = tf.tidy(() => tf.argMax(model.predict(b.x) as tf.Tensor, 1).dataSync());
    predicted.forEach((c, i) => void (correct += c === b.labels[i] ? 1 : 0));
    tf.dispose([b.x, b.y]);
  }
  model.dispose();
  return { accuracy: correct / data.size('test'), samples: data.size('test') };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir, dataset, dataDir] = process.argv.slice(2);
  if (!dir || !dataset) {
    console.error('usage: stock-accuracy.ts EXPORT_DIR DATASET [DATA_DIR]');
    process.exit(2);
  }
  await selectBackend('wasm');
  const r = await stockAccuracy(dir, dataset, dataDir);
  console.log(`stock tfjs-layers ${tfl.version_layers}: test accuracy ${(r.accuracy * 100).toFixed(2)}% on ${r.samples} samples`);
}
