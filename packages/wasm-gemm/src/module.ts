import { KERNELS } from './kernels.generated';

const bytesOf = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

let relaxedOk: boolean | undefined;
/** Whether this engine runs relaxed SIMD (Node ≥ 22, Chrome ≥ 114; Node 20 with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  relaxedOk ??= WebAssembly.validate(bytesOf(KERNELS.relaxed));
  return relaxedOk;
}

/** The kernel module compiled: fused multiply-add or not, on a shared memory (the threaded build) or not. */
export function kernelModule(variant: 'relaxed' | 'simd', shared: boolean): WebAssembly.Module {
  return new WebAssembly.Module(bytesOf(KERNELS[`${variant}${shared ? '-shared' : ''}`]));
}
