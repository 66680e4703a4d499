export { stepMemoryProfiler, type StepMemory, type StepMemoryProfiler } from './step-memory';
export { heapGuard, wasmHeapBytes, WASM32_MAX_BYTES, DEFAULT_HEAP_LIMIT, type HeapGuard, type HeapGuardOptions } from './heap-guard';
