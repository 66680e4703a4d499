export { gaussian, uniform, heNormal, fanOut, xavier } from './random';
export { sign, sparse } from './discrete';
export { orthogonal } from './orthogonal';
export { sharedSlice, type SharedSliceOptions } from './shared-slice';
export { generatorByName, GENERATOR_NAMES, type GeneratorName, type ByNameOptions } from './by-name';
export type { ScaleOptions } from './fill';
