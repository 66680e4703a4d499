import { describeRuleConformance } from '@feedback-lab/test-utils';
import { signSymmetry } from './sign-symmetry';

describeRuleConformance('sign-symmetry', { create: () => signSymmetry() });
describeRuleConformance('sign-symmetry (unit magnitude)', { create: () => signSymmetry({ magnitude: 'unit' }), lr: 0.02 });
describeRuleConformance('sign-symmetry (batch manhattan)', { create: () => signSymmetry({ batchManhattan: true }), lr: 0.01 });
describeRuleConformance('sign-symmetry on cpu', { create: () => signSymmetry(), backend: 'cpu' });
