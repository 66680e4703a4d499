import { buildModel } from '@feedback-lab/core';
import { describeRuleConformance } from '@feedback-lab/test-utils';
import { brsf } from './brsf';

describeRuleConformance('brsf', { create: (seed) => brsf({ seed }) });
describeRuleConformance('brsf on cpu', { create: (seed) => brsf({ seed }), backend: 'cpu' });
// conv blocks: the suite's 8-feature blobs seen as 2×4×1 images, a pooled conv block, then dense
describeRuleConformance('brsf on conv blocks', {
  create: (seed) => brsf({ seed }),
  model: (seed) => buildModel({ input: [2, 4, 1], layers: [{ type: 'conv2d', filters: 6, kernel: 2, padding: 'same', pool: { type: 'max', size: 2, stride: 1, padding: 'same' }, activation: 'tanh' }, { type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 4 }] }, { inputShape: [8], numClasses: 4, seed }),
});
