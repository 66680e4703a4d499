import * as tf from '@tensorflow/tfjs-core';
import { layersModelFiles, type ExportSpec, type LayersModelFiles, type SavableModel } from '@feedback-lab/checkpoint';
import type { Model } from '@feedback-lab/core';

/** One layer of a Keras/tfjs-layers topology as model.json stores it (snake_case config). */
interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
}

/**
 * The tfjs-layers Sequential topology that computes what a feedback-lab model of `spec` computes,
 * written as plain JSON: the same layers, names and weight order as checkpoint's `toLayersModel`
 * (the CLI's `fbl export`), but without tfjs-layers, which would add ~1 MB to the worker chunk.
 * A block is act(pool(op(x) + b)); flat data into a conv net gets a leading Reshape.
 */
export function layersTopology(spec: ExportSpec, dataShape: readonly number[]): { topology: tf.io.ModelJSON['modelTopology']; weightNames: string[] } {
  const layers: KerasLayer[] = [];
  const weightNames: string[] = [];
  let flat = dataShape.length === 1;
  const add = (class_name: string, config: Record<string, unknown>) => {
    // The first layer carries the input shape, as `inputShape` does in tfjs-layers.
    layers.push({ class_name, config: { ...(layers.length === 0 ? { batch_input_shape: [null, ...dataShape] } : {}), dtype: 'float32', trainable: true, ...config } });
  };
  if (dataShape.join() !== spec.input.join()) {
    add('Reshape', { name: 'reshape_input', target_shape: spec.input });
    flat = spec.input.length === 1;
  }
  spec.layers.forEach((l, i) => {
    const isLast = i === spec.layers.length - 1;
    const name = `${l.type}${i + 1}`;
    const activation = l.activation ?? (isLast ? 'linear' : 'relu');
    weightNames.push(`${name}/kernel`, `${name}/bias`);
    if (l.type === 'dense') {
      if (!flat) add('Flatten', { name: `${name}_flatten`, data_format: 'channels_last' });
      add('Dense', { name, units: l.units, activation, use_bias: true });
      flat = true;
    } else if (l.type === 'conv2d') {
      const k = l.kernel!;
      const s = l.stride ?? 1;
      add('Conv2D', {
        name, filters: l.filters, kernel_size: [k, k], strides: [s, s], padding: l.padding ?? 'valid', data_format: 'channels_last',
        dilation_rate: [1, 1], activation: l.pool ? 'linear' : activation, use_bias: true,
      });
      if (l.pool) {
        const ps = l.pool.stride ?? l.pool.size;
        add(l.pool.type === 'max' ? 'MaxPooling2D' : 'AveragePooling2D', {
          name: `${name}_pool`, pool_size: [l.pool.size, l.pool.size], strides: [ps, ps], padding: l.pool.padding ?? 'valid', data_format: 'channels_last',
        });
        if (activation !== 'linear') add('Activation', { name: `${name}_act`, activation });
      }
      flat = false;
    } else {
      throw new Error(`cannot export layer type ${JSON.stringify((l as { type: unknown }).type)}: only dense and conv2d layers export to a LayersModel`);
    }
  });
  const topology = {
    class_name: 'Sequential',
    config: { name: (spec.name ?? 'feedback_lab_model').replace(/[^A-Za-z0-9_.-]/g, '_'), layers },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  return { topology, weightNames };
}

/**
 * model.json + weights.bin of a trained model, readable by stock `tf.loadLayersModel`. The
 * weights are read from the model's variables (every block's [kernel, bias], in block order).
 */
export async function modelFiles(model: Model, spec: ExportSpec, dataShape: readonly number[]): Promise<LayersModelFiles> {
  const { topology, weightNames } = layersTopology(spec, dataShape);
  const params = model.blocks.flatMap((b) => b.params);
  if (params.length !== weightNames.length) {
    throw new Error(`export: the model has ${params.length} weight tensors but its spec needs ${weightNames.length}; export the model the run trained`);
  }
  // encodeWeights reads the variables' values; it makes no tensors, so nothing to dispose.
  const { data, specs } = await tf.io.encodeWeights(Object.fromEntries(weightNames.map((n, i) => [n, params[i]!])));
  const savable: SavableModel = {
    save: (handler) => handler.save!({ modelTopology: topology, weightSpecs: specs, weightData: data, format: 'layers-model', generatedBy: `feedback-lab web (TensorFlow.js ${tf.version_core})` }),
  };
  return layersModelFiles(savable);
}
