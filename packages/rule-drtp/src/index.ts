export { drtp, type DrtpOptions, type DrtpSchedule } from './drtp';
export { drtpRule } from './descriptor';
