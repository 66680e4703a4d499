export { memoryDepth, type MemoryDepthOptions, type MemoryDepthRow } from './memory-depth';
export { summarize, type MemoryDepthSummary } from './summary';
export { markdownReport } from './markdown';
export { svgChart } from './svg';
