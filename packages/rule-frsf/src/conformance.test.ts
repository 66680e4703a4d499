import { buildModel } from '@feedback-lab/core';
import { describeRuleConformance } from '@feedback-lab/test-utils';
import { frsf } from './frsf';

describeRuleConformance('frsf', { create: (seed) => frsf({ seed }) });
describeRuleConformance('frsf on cpu', { create: (seed) => frsf({ seed }), backend: 'cpu' });
// conv blocks: the suite's 8-feature blobs seen as 2×4×1 images, a pooled conv block, then dense
describeRuleConformance('frsf on conv blocks', {
  create: (seed) => frsf({ seed }),
  model: (seed) => buildModel({ input: [2, 4, 1], layers: [{ type: 'conv2d', filters: 6, kernel: 2, padding: 'same', pool: { type: 'max', size: 2, stride: 1, padding: 'same' }, activation: 'tanh' }, { type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 4 }] }, { inputShape: [8], numClasses: 4, seed }),
});
describeRuleConformance('frsf with regenerated magnitudes', { create: (seed) => frsf({ seed, feedback: 'regenerate' }) });
