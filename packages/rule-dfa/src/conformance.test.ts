import { describeRuleConformance } from '@feedback-lab/test-utils';
import { dfa } from './dfa';

describeRuleConformance('dfa', { create: (seed) => dfa({ seed }) });
describeRuleConformance('dfa (regenerated feedback)', { create: (seed) => dfa({ seed, feedback: 'regenerate' }) });
