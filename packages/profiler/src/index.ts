export { stepMemoryProfiler, type StepMemory, type StepMemoryProfiler } from './step-memory';
export { measureAlignment, angle, type AlignmentReport, type FeedbackInspectable } from './alignment';
