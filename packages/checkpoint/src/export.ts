import * as tf from '@tensorflow/tfjs';
import { FblError } from '@feedback-lab/core';

/** The layers of a model, as in core's ModelSpec (dense and conv2d blocks). */
export interface ExportLayer {
  type: 'dense' | 'conv2d';
  units?: number;
  filters?: number;
  kernel?: number;
  stride?: number;
  padding?: 'same' | 'valid';
  pool?: { type: 'max' | 'avg'; size: number; stride?: number; padding?: 'same' | 'valid' };
  activation?: string;
}

export interface ExportSpec {
  name?: string;
  /** The shape the first block sees, e.g. [28, 28, 1] for a conv net fed flat [784] images. */
  input: number[];
  layers: ExportLayer[];
}

/**
 * Builds a stock tfjs-layers Sequential model that computes what a feedback-lab model of `spec`
 * computes, and loads `weights` (every block's params, in block order) into it. How the weights
 * were trained does not matter: BP, FA, DFA and MEM-DFA all produce the same kind of blocks.
 *
 * Mapping: a block is act(pool(op(x) + b)), so a conv block with pooling becomes Conv2D (linear)
 * → MaxPooling2D/AveragePooling2D → Activation; a dense block after a conv becomes Flatten →
 * Dense. A data shape other than `spec.input` (flat MNIST into a conv) gets a leading Reshape.
 */
export function toLayersModel(spec: ExportSpec, dataShape: readonly number[], weights: readonly tf.Tensor[]): tf.LayersModel {
  const model = tf.sequential({ name: sanitize(spec.name ?? 'feedback_lab_model') });
  let shape = [...dataShape];
  const first = (): { inputShape?: number[] } => (model.layers.length === 0 ? { inputShape: shape } : {});
  if (shape.join() !== spec.input.join()) {
    model.add(tf.layers.reshape({ targetShape: spec.input, ...first(), name: 'reshape_input' }));
    shape = [...spec.input];
  }
  spec.layers.forEach((l, i) => {
    const isLast = i === spec.layers.length - 1;
    const name = `${l.type}${i + 1}`;
    const activation = (l.activation ?? (isLast ? 'linear' : 'relu')) as 'linear';
    if (l.type === 'dense') {
      if (shape.length > 1) model.add(tf.layers.flatten({ ...first(), name: `${name}_flatten` }));
      model.add(tf.layers.dense({ units: l.units!, activation, ...first(), name }));
    } else if (l.type === 'conv2d') {
      model.add(tf.layers.conv2d({
        filters: l.filters!, kernelSize: l.kernel!, strides: l.stride ?? 1, padding: l.padding ?? 'valid',
        activation: l.pool ? 'linear' : activation, ...first(), name,
      }));
      if (l.pool) {
        const p = { poolSize: l.pool.size, strides: l.pool.stride ?? l.pool.size, padding: l.pool.padding ?? 'valid', name: `${name}_pool` };
        model.add(l.pool.type === 'max' ? tf.layers.maxPooling2d(p) : tf.layers.averagePooling2d(p));
        if (activation !== 'linear') model.add(tf.layers.activation({ activation, name: `${name}_act` }));
      }
    } else {
      throw new FblError('INVALID_OPTION', `cannot export layer type ${JSON.stringify((l as { type: unknown }).type)}`);
    }
    shape = model.outputs[0]!.shape.slice(1) as number[];
  });
  const expected = model.weights.map((w) => w.shape.join('×'));
  const got = weights.map((w) => w.shape.join('×'));
  if (expected.join() !== got.join()) {
    model.dispose();
    throw new FblError('SHAPE_MISMATCH', `export: the spec needs weights [${expected.join(', ')}] but the checkpoint has [${got.join(', ')}]`);
  }
  model.setWeights(weights as tf.Tensor[]);
  return model;
}

/** model.json content and the one weights file it names, as `tf.io` would write them. */
export interface LayersModelFiles {
  modelJson: tf.io.ModelJSON;
  weightsBin: Uint8Array;
}

/** Serialises a LayersModel into the standard model.json + weights.bin pair. */
export async function layersModelFiles(model: tf.LayersModel, weightsPath = 'weights.bin'): Promise<LayersModelFiles> {
  let files: LayersModelFiles | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    const data = Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : a.weightData!;
    files = {
      modelJson: {
        modelTopology: a.modelTopology!, format: 'layers-model', generatedBy: a.generatedBy, convertedBy: 'feedback-lab export',
        weightsManifest: [{ paths: [weightsPath], weights: a.weightSpecs! }],
      },
      weightsBin: new Uint8Array(data),
    };
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
  }));
  return files!;
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}
