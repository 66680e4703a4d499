export { drtp, type DrtpOptions, type DrtpSchedule } from './drtp';
