export { brsf, type BrsfOptions } from './brsf';
export { brsfRule } from './descriptor';
