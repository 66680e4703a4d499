export { WasmGemm, relaxedSimdSupported, setGemmThreads, winogradFits, WINOGRAD_SIZES, type ConvShape, type GemmVariant, type WasmBackendLike } from './gemm';
export { installWasmGemm, uninstallWasmGemm, wasmGemmVariant, winogradFilterGradFits, TRANSPOSES_IN_PLACE, WINOGRAD_FILTER_GRAD } from './register';
