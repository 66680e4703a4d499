export { WasmGemm, relaxedSimdSupported, setGemmThreads, type GemmVariant, type WasmBackendLike } from './gemm';
export { installWasmGemm, uninstallWasmGemm, wasmGemmVariant, TRANSPOSES_IN_PLACE } from './register';
