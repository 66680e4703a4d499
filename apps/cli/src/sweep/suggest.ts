export { didYouMean } from '@feedback-lab/core';
