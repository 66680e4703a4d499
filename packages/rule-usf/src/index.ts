export { usf, usfMagnitude, type UsfOptions } from './usf';
export { usfRule } from './descriptor';
