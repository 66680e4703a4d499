export { runSpeed, type SpeedOptions, type SpeedReport, type SpeedResult } from './speed';
export { formatSpeed, speedEvents, speedRatios, type SpeedRatios } from './report';
export { trainingFlops, layerProducts } from './flops';
export { matMulProbe, type MatMulProbe, type MatMulRate } from './matmul-rate';
export { ruleRunner, type Runner, type NetworkOptions } from './runners';
export { layersRunner } from './layers-peer';
export { median } from './stats';
