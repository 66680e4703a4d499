import { describeRuleConformance } from '@feedback-lab/test-utils';
import { memDfa } from './mem-dfa';

describeRuleConformance('mem-dfa', { create: (seed) => memDfa({ seed }) });
describeRuleConformance('mem-dfa (regenerated feedback)', { create: (seed) => memDfa({ seed, feedback: 'regenerate' }) });
