import * as tf from '@tensorflow/tfjs-core';

/**
 * What {@link layersModelFiles} needs of a model: a tfjs-layers `LayersModel` has it. Structural,
 * so this module (and `@feedback-lab/checkpoint/node`) need only tfjs-core, not tfjs-layers.
 */
export interface SavableModel {
  save(handler: tf.io.IOHandler): Promise<unknown>;
}

/** model.json content and the one weights file it names, as `tf.io` would write them. */
export interface LayersModelFiles {
  modelJson: tf.io.ModelJSON;
  weightsBin: Uint8Array;
}

/** Serialises a LayersModel into the standard model.json + weights.bin pair. */
export async function layersModelFiles(model: SavableModel, weightsPath = 'weights.bin'): Promise<LayersModelFiles> {
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

