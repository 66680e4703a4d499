import { buildModel } from '@feedback-lab/core';
import { describeRuleConformance } from '@feedback-lab/test-utils';
import { usf } from './usf';

describeRuleConformance('usf', { create: () => usf() });
describeRuleConformance('usf on cpu', { create: () => usf(), backend: 'cpu' });
// conv blocks: the suite's 8-feature blobs seen as 2×4×1 images, a pooled conv block, then dense
describeRuleConformance('usf on conv blocks', {
  create: () => usf(),
  model: (seed) => buildModel({ input: [2, 4, 1], layers: [{ type: 'conv2d', filters: 6, kernel: 2, padding: 'same', pool: { type: 'max', size: 2, stride: 1, padding: 'same' }, activation: 'tanh' }, { type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 4 }] }, { inputShape: [8], numClasses: 4, seed }),
});
