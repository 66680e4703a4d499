export { memDfa, type MemDfaOptions } from './mem-dfa';
export { memDfaRule } from './descriptor';
