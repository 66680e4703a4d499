import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FblError } from '@feedback-lab/core';
import { normalizationLayer, type ExportSpec } from './export-spec';

/**
 * Builds a stock tfjs-layers Sequential model that computes what a feedback-lab model of `spec`
 * computes, and loads `weights` (every block's params, in block order) into it. How the weights
 * were trained does not matter: BP, FA, DFA and MEM-DFA all produce the same kind of blocks.
 *
 * Mapping: a block is act(bn(pool(op(x) + b))), so a conv block with pooling becomes Conv2D
 * (linear) → MaxPooling2D/AveragePooling2D → Activation; a dense block after a conv becomes
 * Flatten → Dense. A batch-norm block puts a BatchNormalization layer (same momentum and
 * epsilon) before the Activation; `weights` then hold the block's params, then its running mean
 * and variance (core's `blockVariables` order, which is the layers' own: γ, β, mean, variance).
 * A data shape other than `spec.input` (flat MNIST into a conv) gets a leading Reshape.
 * `spec.inputNormalization` puts a fixed layer first that standardises the inputs as the
 * training data was (see `NormalizationLayer`); its values are not in `weights`.
 */
export function toLayersModel(spec: ExportSpec, dataShape: readonly number[], weights: readonly tf.Tensor[]): tfl.LayersModel {
  const model = tfl.sequential({ name: sanitize(spec.name ?? 'feedback_lab_model') });
  let shape = [...dataShape];
  const first = (): { inputShape?: number[] } => (model.layers.length === 0 ? { inputShape: shape } : {});
  const norm = spec.inputNormalization && normalizationLayer(spec.inputNormalization, dataShape);
  if (norm?.scale.length === 1) model.add(tfl.layers.rescaling({ scale: norm.scale[0]!, offset: norm.offset[0]!, ...first(), name: norm.name }));
  else if (norm) model.add(tfl.layers.depthwiseConv2d({ kernelSize: 1, depthMultiplier: 1, useBias: true, trainable: false, ...first(), name: norm.name }));
  if (shape.join() !== spec.input.join()) {
    model.add(tfl.layers.reshape({ targetShape: spec.input, ...first(), name: 'reshape_input' }));
    shape = [...spec.input];
  }
  spec.layers.forEach((l, i) => {
    const isLast = i === spec.layers.length - 1;
    const name = `${l.type}${i + 1}`;
    const activation = (l.activation ?? (isLast ? 'linear' : 'relu')) as 'linear';
    const bn = l.batchNorm ? (l.batchNorm === true ? {} : l.batchNorm) : undefined;
    // the activation as its own layer, after pooling and batch norm
    const tail = () => {
      if (bn) model.add(tfl.layers.batchNormalization({ axis: -1, momentum: bn.momentum ?? 0.9, epsilon: bn.epsilon ?? 1e-3, name: `${name}_bn` }));
      if (activation !== 'linear') model.add(tfl.layers.activation({ activation, name: `${name}_act` }));
    };
    if (l.type === 'dense') {
      if (shape.length > 1) model.add(tfl.layers.flatten({ ...first(), name: `${name}_flatten` }));
      model.add(tfl.layers.dense({ units: l.units!, activation: bn ? 'linear' : activation, ...first(), name }));
      if (bn) tail();
    } else if (l.type === 'conv2d') {
      model.add(tfl.layers.conv2d({
        filters: l.filters!, kernelSize: l.kernel!, strides: l.stride ?? 1, padding: l.padding ?? 'valid',
        activation: l.pool || bn ? 'linear' : activation, ...first(), name,
      }));
      if (l.pool) {
        const p = { poolSize: l.pool.size, strides: l.pool.stride ?? l.pool.size, padding: l.pool.padding ?? 'valid', name: `${name}_pool` };
        model.add(l.pool.type === 'max' ? tfl.layers.maxPooling2d(p) : tfl.layers.averagePooling2d(p));
      }
      if (l.pool || bn) tail();
    } else {
      throw new FblError('INVALID_OPTION', `cannot export layer type ${JSON.stringify((l as { type: unknown }).type)}`);
    }
    shape = model.outputs[0]!.shape.slice(1) as number[];
  });
  // Layer by layer: the model's own list puts every trainable weight before the non-trainable
  // ones (batch norm's running statistics), while `weights` are in block order.
  const layers = norm ? model.layers.slice(1) : model.layers;
  const perLayer = layers.map((layer) => layer.weights.map((w) => w.shape));
  const expected = perLayer.flat().map((sh) => sh.join('×'));
  const got = weights.map((w) => w.shape.join('×'));
  if (expected.join() !== got.join()) {
    model.dispose();
    throw new FblError('SHAPE_MISMATCH', `export: the spec needs weights [${expected.join(', ')}] but the checkpoint has [${got.join(', ')}]`);
  }
  let k = 0;
  layers.forEach((layer, i) => {
    layer.setWeights(weights.slice(k, k + perLayer[i]!.length) as tf.Tensor[]);
    k += perLayer[i]!.length;
  });
  if (norm && norm.scale.length > 1) {
    const values = [tf.tensor4d(norm.scale, [1, 1, norm.scale.length, 1]), tf.tensor1d(norm.offset)];
    model.layers[0]!.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}
