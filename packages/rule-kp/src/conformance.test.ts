import { describeRuleConformance } from '@feedback-lab/test-utils';
import { kp } from './kp';

describeRuleConformance('kp', { create: (seed) => kp({ seed }) });
describeRuleConformance('kp (no decay)', { create: (seed) => kp({ seed, decay: 0 }) });
