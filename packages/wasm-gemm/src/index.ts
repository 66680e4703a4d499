export { WasmGemm, relaxedSimdSupported, setGemmThreads, winogradFits, WINOGRAD_SIZES, type ConvShape, type GemmVariant, type PoolShape, type WasmBackendLike } from './gemm';
export { installWasmGemm, maxPoolGradInHeap, activationGradInHeap, unaryInHeap, uninstallWasmGemm, wasmGemmVariant, winogradFilterGradFits, TRANSPOSES_IN_PLACE, WINOGRAD_FILTER_GRAD } from './register';
export { LayoutTuner, TRIALS, TUNE_FLOPS, type Layout, type LayoutChoice } from './layout';
