export { memDfa, type MemDfaOptions } from './mem-dfa';
