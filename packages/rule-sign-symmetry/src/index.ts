export { signSymmetry, type SignSymmetryOptions, type FeedbackMagnitude } from './sign-symmetry';
export { signSymmetryRule } from './descriptor';
