export { frsf, type FrsfOptions } from './frsf';
export { frsfRule } from './descriptor';
