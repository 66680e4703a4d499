// A heap of its own for the kernel: a WebAssembly.Memory (shared or not) with a bump allocator,
// standing in for tfjs-backend-wasm's (the kernel only needs its memory, _malloc and _free).
// Run directly (`--leave-running`), it splits one product over a helper thread, prints one JSON
// line and leaves the gemm undisposed: the test checks that the process still exits.
import { WasmGemm, type GemmVariant, type WasmBackendLike } from './gemm';

export interface Heap {
  backend: WasmBackendLike;
  memory: WebAssembly.Memory;
  /** `n` floats, uniform in [-1, 1) from `seed` (or zeros without one); returns the byte address. */
  floats(n: number, seed?: number): number;
  read(ptr: number, n: number): Float32Array;
}

export function heap(shared: boolean, mib = 16): Heap {
  const memory = new WebAssembly.Memory({ initial: (mib << 20) >> 16, maximum: 65536, shared });
  let top = 1 << 16;
  const malloc = (bytes: number) => {
    const p = top;
    top += (bytes + 63) & ~63;
    if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
    return p;
  };
  const backend = {
    wasm: { wasmMemory: memory, _malloc: malloc, _free: () => undefined },
    dataIdMap: { get: () => undefined },
    makeOutput: () => {
      throw new Error('not a tfjs backend');
    },
  } satisfies WasmBackendLike;
  return {
    backend,
    memory,
    floats(n, seed) {
      const p = malloc(4 * n);
      const v = new Float32Array(memory.buffer, p, n);
      if (seed === undefined) return p;
      // xorshift32: a fixed sequence per seed
      let s = (seed * 2654435761) >>> 0 || 1;
      for (let i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        v[i] = (s >>> 0) / 2 ** 31 - 1;
      }
      return p;
    },
    read: (ptr, n) => new Float32Array(memory.buffer, ptr, n).slice(),
  };
}

if (process.argv.includes('--leave-running')) {
  const h = heap(true);
  const g = new WasmGemm(h.backend, process.argv[process.argv.indexOf('--leave-running') + 1] as GemmVariant, { threads: 2 });
  const threads = await g.start();
  const [M, N, K] = [64, 256, 256];
  const a = h.floats(M * K, 1);
  const b = h.floats(K * N, 2);
  const c = h.floats(M * N);
  g.multiply(M, N, K, a, false, b, false, c);
  process.stdout.write(JSON.stringify({ threads }) + '\n');
}
