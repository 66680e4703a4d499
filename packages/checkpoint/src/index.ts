export { encodeCheckpoint, decodeCheckpoint, MAGIC, FORMAT_VERSION, type CheckpointContent, type StoredArray } from './format';
export { layersModelFiles, type LayersModelFiles, type SavableModel } from './model-files';
export { normalizationLayer, type ExportLayer, type ExportSpec, type InputNormalization, type NormalizationLayer } from './export-spec';
export { exportFiles, layersTopology, type TopologyWeight } from './topology';
export { diffConfig, describeDifferences, type ConfigDifference } from './config-diff';
export { FBL_VERSION, versionStamp, checkVersion, type VersionStamp } from './version';
