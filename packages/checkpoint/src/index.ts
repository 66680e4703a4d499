export { encodeCheckpoint, decodeCheckpoint, MAGIC, FORMAT_VERSION, type CheckpointContent, type StoredArray } from './format';
export { toLayersModel, layersModelFiles, type ExportLayer, type ExportSpec, type LayersModelFiles } from './export';
export { diffConfig, describeDifferences, type ConfigDifference } from './config-diff';
export { FBL_VERSION, versionStamp, checkVersion, type VersionStamp } from './version';
