export { bp, type BpOptions } from './bp';
