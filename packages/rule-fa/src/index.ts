export { fa, type FaOptions, type FaRule } from './fa';
export { hasSplit, inputGrad } from './local';
export { faRule } from './descriptor';
