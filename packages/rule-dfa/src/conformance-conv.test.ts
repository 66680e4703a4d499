import { buildModel } from '@feedback-lab/core';
import { describeRuleConformance } from '@feedback-lab/test-utils';
import { dfa } from './dfa';

// The same contract on conv blocks: the suite's 8-feature blobs seen as 2×4×1 images, a conv
// block with max-pooling (B_i of shape [4, 2·2·6] for DFA, a random 2×2 kernel for FA), then dense.
const convModel = (seed: number) =>
  buildModel(
    { input: [2, 4, 1], layers: [{ type: 'conv2d', filters: 6, kernel: 2, padding: 'same', pool: { type: 'max', size: 2, stride: 1, padding: 'same' }, activation: 'tanh' }, { type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 4 }] },
    { inputShape: [8], numClasses: 4, seed },
  );

describeRuleConformance('dfa on conv blocks', { create: (seed) => dfa({ seed }), model: convModel });
