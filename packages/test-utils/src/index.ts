export { NODE_BACKENDS, useBackend } from './backends';
export { tensorsLeftBy } from './leaks';
export { maxAbsDiff, snapshot } from './compare';
export { describeRuleConformance, type ConformanceOptions } from './conformance';
export { fuzz, mutate, describeFuzz, type FuzzCase, type FuzzOptions, type FuzzReport } from './fuzz';
export { mnistAccuracy, MNIST_CHECK, type TrainerApi } from './mnist';
export { randomBatch } from './batch';
export { dfaOracle, compareWithDfaOracle, type DfaOracleInput, type OracleComparison } from './dfa-oracle';
