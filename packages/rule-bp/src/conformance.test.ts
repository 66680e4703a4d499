import { describeRuleConformance } from '@feedback-lab/test-utils';
import { bp } from './bp';

describeRuleConformance('bp', { create: () => bp() });
