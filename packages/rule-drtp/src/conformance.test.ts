import { describeRuleConformance } from '@feedback-lab/test-utils';
import { drtp } from './drtp';

describeRuleConformance('drtp', { create: (seed) => drtp({ seed }) });
describeRuleConformance('drtp (updates at end of pass)', { create: (seed) => drtp({ seed, schedule: 'at-end' }) });
describeRuleConformance('drtp (regenerated feedback)', { create: (seed) => drtp({ seed, feedback: 'regenerate' }) });
describeRuleConformance('drtp on cpu', { create: (seed) => drtp({ seed }), backend: 'cpu' });
