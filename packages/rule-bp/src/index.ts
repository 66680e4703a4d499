export { bp, type BpOptions } from './bp';
export { bpRule } from './descriptor';
