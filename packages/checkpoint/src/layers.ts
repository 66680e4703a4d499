// `@feedback-lab/checkpoint/layers`: the only entry that needs @tensorflow/tfjs-layers (an
// optional peer dependency), so checkpoints and `layersModelFiles` work without it.
export { toLayersModel } from './export';
export { layersModelFiles, type LayersModelFiles, type SavableModel } from './model-files';
export type { ExportLayer, ExportSpec, InputNormalization } from './export-spec';
