import { join } from 'node:path';
import { writeFileAtomic } from './atomic';
import { layersModelFiles, type SavableModel } from './model-files';

/**
 * Writes `outDir/model.json` and `outDir/weights.bin`, loadable with
 * `tf.loadLayersModel('…/model.json')` (http or file handler). The weights go first, so a
 * model.json on disk always names a complete weights file.
 */
export async function writeLayersModel(model: SavableModel, outDir: string): Promise<{ modelJson: string; weights: string }> {
  const files = await layersModelFiles(model);
  const weights = join(outDir, 'weights.bin');
  const modelJson = join(outDir, 'model.json');
  writeFileAtomic(weights, files.weightsBin);
  writeFileAtomic(modelJson, new TextEncoder().encode(JSON.stringify(files.modelJson)));
  return { modelJson, weights };
}
