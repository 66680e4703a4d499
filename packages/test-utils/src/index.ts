export { NODE_BACKENDS, useBackend } from './backends';
export { tensorsLeftBy } from './leaks';
export { maxAbsDiff, snapshot } from './compare';
export { describeRuleConformance, type ConformanceOptions } from './conformance';
export { mnistAccuracy, MNIST_CHECK } from './mnist';
