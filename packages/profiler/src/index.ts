export { stepMemoryProfiler, type StepMemory, type StepMemoryProfiler } from './step-memory';
