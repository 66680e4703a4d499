import { buildModel } from '@feedback-lab/core';
import { describeRuleConformance } from '@feedback-lab/test-utils';
import { bp } from './bp';

// The same contract on conv blocks: the suite's 8-feature blobs seen as 2×4×1 images, a conv
// block with max-pooling, then dense.
const convModel = (seed: number) =>
  buildModel(
    { input: [2, 4, 1], layers: [{ type: 'conv2d', filters: 6, kernel: 2, padding: 'same', pool: { type: 'max', size: 2, stride: 1, padding: 'same' }, activation: 'tanh' }, { type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 4 }] },
    { inputShape: [8], numClasses: 4, seed },
  );

describeRuleConformance('bp on conv blocks', { create: () => bp(), model: convModel });
