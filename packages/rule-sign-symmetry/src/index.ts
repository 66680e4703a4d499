export { signSymmetry, type SignSymmetryOptions, type FeedbackMagnitude } from './sign-symmetry';
