import { describeRuleConformance } from '@feedback-lab/test-utils';
import { fa } from './fa';

describeRuleConformance('fa', { create: (seed) => fa({ seed }) });
describeRuleConformance('fa (regenerated feedback)', { create: (seed) => fa({ seed, feedback: 'regenerate' }) });
