import * as tf from '@tensorflow/tfjs-core';
import { FblError, outSize } from '@feedback-lab/core';
import { normalizationLayer, type ExportSpec } from './export-spec';
import type { LayersModelFiles } from './model-files';

/** One layer of a Keras/tfjs-layers topology as model.json stores it (snake_case config). */
interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
}

/** A weight the topology expects, in the order of the model's variables (core's `blockVariables`). */
export interface TopologyWeight {
  name: string;
  shape: number[];
}

/**
 * The tfjs-layers Sequential topology that computes what a feedback-lab model of `spec` computes,
 * as plain JSON, without tfjs-layers (which would add ~1 MB to a browser bundle). Same layers,
 * names and weight names as `toLayersModel` (`@feedback-lab/checkpoint/layers`, used by
 * `fbl export`); a test holds the two together.
 *
 * A block is act(bn(pool(op(x) + b))): a conv block with pooling or batch norm is Conv2D
 * (linear) → pooling → BatchNormalization → Activation; a dense block after a conv gets a
 * Flatten. Flat data into a conv net gets a leading Reshape. `weights` lists every weight with
 * its shape, in block order: each block's params, then its batch-norm running mean and variance.
 * `spec.inputNormalization` adds a first layer (see `NormalizationLayer`); the weights of a
 * DepthwiseConv2D one, in `constants`, come from the spec rather than the model.
 */
export function layersTopology(spec: ExportSpec, dataShape: readonly number[]): { topology: tf.io.ModelJSON['modelTopology']; weights: TopologyWeight[]; constants: (TopologyWeight & { values: number[] })[] } {
  const layers: KerasLayer[] = [];
  const weights: TopologyWeight[] = [];
  let shape = [...dataShape];
  const add = (class_name: string, config: Record<string, unknown>) => {
    // The first layer carries the input shape, as `inputShape` does in tfjs-layers.
    layers.push({ class_name, config: { ...(layers.length === 0 ? { batch_input_shape: [null, ...dataShape] } : {}), dtype: 'float32', trainable: true, ...config } });
  };
  const norm = spec.inputNormalization && normalizationLayer(spec.inputNormalization, dataShape);
  const constants: (TopologyWeight & { values: number[] })[] = [];
  if (norm?.scale.length === 1) add('Rescaling', { name: norm.name, scale: norm.scale[0], offset: norm.offset[0] });
  else if (norm) {
    const c = norm.scale.length;
    add('DepthwiseConv2D', {
      name: norm.name, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1],
      depth_multiplier: 1, activation: 'linear', use_bias: true, trainable: false,
    });
    constants.push({ name: `${norm.name}/depthwise_kernel`, shape: [1, 1, c, 1], values: norm.scale }, { name: `${norm.name}/bias`, shape: [c], values: norm.offset });
  }
  if (shape.join() !== spec.input.join()) {
    add('Reshape', { name: 'reshape_input', target_shape: spec.input });
    shape = [...spec.input];
  }
  spec.layers.forEach((l, i) => {
    const isLast = i === spec.layers.length - 1;
    const name = `${l.type}${i + 1}`;
    const activation = l.activation ?? (isLast ? 'linear' : 'relu');
    const bn = l.batchNorm ? (l.batchNorm === true ? {} : l.batchNorm) : undefined;
    const tail = () => {
      const channels = shape[shape.length - 1]!;
      if (bn) {
        add('BatchNormalization', { name: `${name}_bn`, axis: -1, momentum: bn.momentum ?? 0.9, epsilon: bn.epsilon ?? 1e-3, center: true, scale: true });
        weights.push(...['gamma', 'beta'].map((w) => ({ name: `${name}_bn/${w}`, shape: [channels] })));
      }
      if (activation !== 'linear') add('Activation', { name: `${name}_act`, activation });
    };
    const stats = () => {
      // running statistics come after every block's params in blockVariables order
      if (bn) weights.push(...['moving_mean', 'moving_variance'].map((w) => ({ name: `${name}_bn/${w}`, shape: [shape[shape.length - 1]!] })));
    };
    if (l.type === 'dense') {
      if (shape.length > 1) add('Flatten', { name: `${name}_flatten`, data_format: 'channels_last' });
      const inputs = shape.reduce((a, b) => a * b, 1);
      add('Dense', { name, units: l.units, activation: bn ? 'linear' : activation, use_bias: true });
      weights.push({ name: `${name}/kernel`, shape: [inputs, l.units!] }, { name: `${name}/bias`, shape: [l.units!] });
      shape = [l.units!];
      if (bn) tail();
    } else if (l.type === 'conv2d') {
      if (shape.length !== 3) throw new FblError('SHAPE_MISMATCH', `export: ${name} needs image inputs [h, w, c], got [${shape}]`);
      const k = l.kernel!;
      const s = l.stride ?? 1;
      const padding = l.padding ?? 'valid';
      add('Conv2D', {
        name, filters: l.filters, kernel_size: [k, k], strides: [s, s], padding, data_format: 'channels_last',
        dilation_rate: [1, 1], activation: l.pool || bn ? 'linear' : activation, use_bias: true,
      });
      weights.push({ name: `${name}/kernel`, shape: [k, k, shape[2]!, l.filters!] }, { name: `${name}/bias`, shape: [l.filters!] });
      shape = [outSize(shape[0]!, k, s, padding), outSize(shape[1]!, k, s, padding), l.filters!];
      if (l.pool) {
        const ps = l.pool.stride ?? l.pool.size;
        const pp = l.pool.padding ?? 'valid';
        add(l.pool.type === 'max' ? 'MaxPooling2D' : 'AveragePooling2D', {
          name: `${name}_pool`, pool_size: [l.pool.size, l.pool.size], strides: [ps, ps], padding: pp, data_format: 'channels_last',
        });
        shape = [outSize(shape[0]!, l.pool.size, ps, pp), outSize(shape[1]!, l.pool.size, ps, pp), shape[2]!];
      }
      if (l.pool || bn) tail();
    } else {
      throw new FblError('INVALID_OPTION', `cannot export layer type ${JSON.stringify((l as { type: unknown }).type)}: only dense and conv2d layers export to a LayersModel`);
    }
    stats();
  });
  const topology = {
    class_name: 'Sequential',
    config: { name: (spec.name ?? 'feedback_lab_model').replace(/[^A-Za-z0-9_.-]/g, '_'), layers },
    keras_version: `tfjs-layers ${tf.version_core}`,
    backend: 'tensor_flow.js',
  };
  return { topology, weights, constants };
}

/**
 * model.json + weights.bin readable by stock `tf.loadLayersModel`, from a spec and the model's
 * variables in block order (core's `blockVariables` of every block: params, then batch-norm
 * statistics). A count or shape that does not fit the spec is a one-line SHAPE_MISMATCH error.
 *
 * @example
 * const files = await exportFiles(spec, [784], model.blocks.flatMap(blockVariables));
 */
export async function exportFiles(spec: ExportSpec, dataShape: readonly number[], tensors: readonly tf.Tensor[], generatedBy = `feedback-lab (TensorFlow.js ${tf.version_core})`): Promise<LayersModelFiles> {
  const { topology, weights, constants } = layersTopology(spec, dataShape);
  const want = weights.map((w) => w.shape.join('×'));
  const got = tensors.map((t) => t.shape.join('×'));
  if (want.join() !== got.join()) {
    throw new FblError('SHAPE_MISMATCH', `export: the spec needs weights [${want.join(', ')}] but the model has [${got.join(', ')}]; export the model the run trained`);
  }
  // encodeWeights reads the tensors' values and makes no tensors.
  const fixed = constants.map((c) => ({ name: c.name, tensor: tf.tensor(c.values, c.shape) }));
  const { data, specs } = await tf.io.encodeWeights([...weights.map((w, i) => ({ name: w.name, tensor: tensors[i]! })), ...fixed]).finally(() => tf.dispose(fixed.map((f) => f.tensor)));
  return {
    modelJson: {
      modelTopology: topology, format: 'layers-model', generatedBy, convertedBy: 'feedback-lab export',
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    },
    weightsBin: new Uint8Array(data),
  };
}
