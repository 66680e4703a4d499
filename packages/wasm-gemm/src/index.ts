export { WasmGemm, relaxedSimdSupported, setGemmThreads, type GemmVariant, type WasmBackendLike } from './gemm';
export { installWasmGemm, uninstallWasmGemm, wasmGemmVariant, TRANSPOSES_IN_PLACE, TANH_KERNEL, TANH_GRAD_KERNEL } from './register';
