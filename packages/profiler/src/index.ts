export { stepMemoryProfiler, type StepMemory, type StepMemoryProfiler } from './step-memory';
export { measureAlignment, angle, type AlignmentReport, type FeedbackInspectable } from './alignment';
export { profilePhases, type PhaseProfile, type PhaseMemory, type TimelinePoint } from './phase-profile';
export { profileStep, type StepProfile, type ProfileStepOptions, type ResidentBytes } from './step-profile';
export { wasmHeapBytes } from './heap';
export { predictMemory, type MemoryModelInput, type MemoryModelRule, type MemoryPrediction } from './memory-model';
export { checkMemoryBudget, largestBatch, ruleFits, DEFAULT_MEMORY_BUDGET_BYTES, WASM32_LIMIT_BYTES, type RuleFit, type RuleFitsInput } from './budget';
export { heapGuard, DEFAULT_HEAP_LIMIT, type HeapGuard, type HeapGuardOptions } from './heap-guard';
export { profileKernels } from './kernel-profile';
