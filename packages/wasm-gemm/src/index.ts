export { WasmGemm, SPLIT_UPDATE, relaxedSimdSupported, setGemmThreads, type GemmVariant, type WasmBackendLike } from './gemm';
export { installWasmGemm, installedWasmGemm, uninstallWasmGemm, wasmGemmVariant, TRANSPOSES_IN_PLACE } from './register';
