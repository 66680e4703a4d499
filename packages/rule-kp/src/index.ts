export { kp, type KpOptions, type KpRule } from './kp';
export { kpRule } from './descriptor';
