import * as tf from '@tensorflow/tfjs-core';

/**
 * Momentum's update of one variable in one pass over the wasm heap:
 *   acc' = m·acc + g,   v' = c·acc' + v   (c = −lr),
 * each product and sum rounded to float32, as tfjs's four stock kernels (Multiply, Add,
 * Multiply, Add) round them, so the results are the same bits. Those four kernels make ten
 * passes over weight-sized tensors (each reads two, writes one); this makes five (reads acc, g,
 * v; writes acc', v'). An 800×800 update took 0.35 ms instead of 1.2 (one thread); the default
 * MLP's whole update went from ~3.2 to ~1.7 ms of BP's ~22 ms step. Every rule pays that cost
 * alike, so it weighs most per FLOP on rules with fewer FLOPs (DFA runs 0.8× BP's).
 *
 * Inputs `acc`, `g`, `v` (float32, one shape), attributes `momentum` and `scale` (c); outputs
 * [acc', v']. Registered for the wasm backend on first use where the engine compiles SIMD.
 */
export const MOMENTUM_KERNEL = 'FblMomentum';

/** The wasm backend's own fields used here (not in tfjs-core's typings). */
interface WasmBackendLike {
  wasm: {
    wasmMemory?: WebAssembly.Memory;
    asm?: { memory?: WebAssembly.Memory };
    tfjs: { disposeData(id: number): void; registerTensor(id: number, size: number, memoryOffset: number): void };
  };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  refCount(dataId: object): number;
  incRef(dataId: object): void;
}

type Momentum = (acc: number, g: number, v: number, accOut: number, vOut: number, bytes: number, m: number, c: number) => void;

// The module, encoded by hand (no assembler at run time). Its bytes equal what wabt's wat2wasm
// makes of: (loop (br_if 1 (i32.ge_u i bytes)) (local.set nx (f32x4.add (f32x4.mul m×4 (v128.load
// acc+i)) (v128.load g+i))) (v128.store accOut+i nx) (v128.store vOut+i (f32x4.add (f32x4.mul c×4 nx)
// (v128.load v+i))) (local.set i (i32.add i 16)) (br 0)). wasm opcodes used:
const GET = 0x20, SET = 0x21, I32_CONST = 0x41, I32_ADD = 0x6a, I32_GE_U = 0x4f, BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b;
const SIMD = 0xfd;
const LOAD = [SIMD, 0x00, 4, 0], STORE = [SIMD, 0x0b, 4, 0], SPLAT = [SIMD, 0x13], MUL = [SIMD, 0xe6, 0x01], ADD = [SIMD, 0xe4, 0x01];
// parameters 0–7: acc, g, v, accOut, vOut (addresses), bytes (a multiple of 16), m, c; locals 8: i, 9: m×4, 10: c×4, 11: acc'×4
const at = (base: number) => [GET, base, GET, 8, I32_ADD];
const BODY = [
  GET, 6, ...SPLAT, SET, 9,
  GET, 7, ...SPLAT, SET, 10,
  BLOCK, 0x40, LOOP, 0x40,
  GET, 8, GET, 5, I32_GE_U, BR_IF, 1,
  GET, 9, ...at(0), ...LOAD, ...MUL, ...at(1), ...LOAD, ...ADD, SET, 11, // acc' = m·acc + g
  ...at(3), GET, 11, ...STORE,
  ...at(4), GET, 10, GET, 11, ...MUL, ...at(2), ...LOAD, ...ADD, ...STORE, // v' = c·acc' + v
  GET, 8, I32_CONST, 16, I32_ADD, SET, 8,
  BR, 0, END, END, END,
];

/** The module: one exported `momentum` over the imported memory `env.memory` (shared or not). */
function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const str = (s: string) => [s.length, ...new TextEncoder().encode(s)];
  const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
  const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
  const code = [2, 1, I32, 3, V128, ...BODY]; // two local declarations: 1 × i32, 3 × v128
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 8, I32, I32, I32, I32, I32, I32, F32, F32, 0]),
    // shared memories must declare a maximum: tfjs's threaded build's (4 GiB, 65536 pages)
    ...section(2, [1, ...str('env'), ...str('memory'), 0x02, ...(shared ? [0x03, 1, ...leb(65536)] : [0x00, 1])]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('momentum'), 0x00, 0]),
    ...section(10, [1, ...leb(code.length), ...code]),
  ]);
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n ? b | 0x80 : b);
  } while (n);
  return out;
}

const instances = new WeakMap<object, Momentum | null>();

/** The kernel bound to `backend`'s memory, or null where it cannot be (no SIMD, no memory). */
function momentumFor(backend: WasmBackendLike): Momentum | null {
  let f = instances.get(backend);
  if (f === undefined) {
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    f = null;
    if (memory instanceof WebAssembly.Memory) {
      const bytes = moduleBytes(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer);
      if (WebAssembly.validate(bytes)) {
        f = (new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as { momentum: Momentum }).momentum;
      }
    }
    instances.set(backend, f);
  }
  return f;
}

function kernelFunc({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const b = backend as unknown as WasmBackendLike;
  const { acc, g, v } = inputs as { acc: tf.TensorInfo; g: tf.TensorInfo; v: tf.TensorInfo };
  const m = Math.fround((attrs as { momentum: number }).momentum);
  const c = Math.fround((attrs as { scale: number }).scale);
  // in place where the caller gives the inputs up and nothing else holds their data (a clone,
  // a tape's saved copy or a detached view each raise the count): nobody can see the old values
  const consumed = (attrs as { inPlace?: boolean }).inPlace === true;
  const own = (t: tf.TensorInfo) => consumed && t !== g && b.refCount(t.dataId) === 1;
  const accOut = own(acc) ? acc : b.makeOutput([...acc.shape], 'float32');
  const vOut = own(v) ? v : b.makeOutput([...acc.shape], 'float32');
  const addr = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId)!.memoryOffset;
  const n = acc.shape.reduce((x, y) => x * y, 1);
  const head = n - (n % 4);
  momentumFor(b)!(addr(acc), addr(g), addr(v), addr(accOut), addr(vOut), 4 * head, m, c);
  // the last n mod 4 elements in float32 arithmetic (views taken after every allocation; an
  // element is read before it is written, so in place is the same)
  const [a0, g0, v0, a1, v1] = [acc, g, v, accOut, vOut].map((t) => b.typedArrayFromHeap(t));
  for (let i = head; i < n; i++) {
    a1![i] = Math.fround(Math.fround(m * a0![i]!) + g0![i]!);
    v1![i] = Math.fround(Math.fround(c * a1![i]!) + v0![i]!);
  }
  return [accOut === acc ? inPlace(b, acc) : accOut, vOut === v ? inPlace(b, v) : vOut];
}

/**
 * `t` itself as the kernel's output (its data was written in place, as a Reshape shares it),
 * registered with the backend's C++ side under a new id: XNNPACK's matMul and conv keep a
 * weight's packed copy keyed by that id (dropped when the id is disposed), so a weight changed
 * under its old id would be multiplied with the stale copy.
 */
function inPlace(b: WasmBackendLike, t: tf.TensorInfo): tf.TensorInfo {
  const d = b.dataIdMap.get(t.dataId)!;
  b.wasm.tfjs.disposeData(d.id);
  d.id = b.dataIdNextNumber++;
  b.wasm.tfjs.registerTensor(d.id, t.shape.reduce((x, y) => x * y, 1), d.memoryOffset);
  b.incRef(t.dataId);
  return { dataId: t.dataId, shape: [...t.shape], dtype: t.dtype };
}

/**
 * Whether `fusedMomentum` runs here: the wasm backend with SIMD, float32 tensors. Registers the
 * kernel on first use.
 */
export function canFuseMomentum(...tensors: tf.Tensor[]): boolean {
  if (tf.getBackend() !== 'wasm' || tensors.some((t) => t.dtype !== 'float32')) return false;
  if (!momentumFor(tf.backend() as unknown as WasmBackendLike)) return false;
  if (!tf.getKernel(MOMENTUM_KERNEL, 'wasm')) tf.registerKernel({ kernelName: MOMENTUM_KERNEL, backendName: 'wasm', kernelFunc });
  return true;
}

/**
 * Weights of at least this many elements (2 MiB) are updated in place by the optimizer (where
 * nothing else holds their data): the default MLP's 784×800 and 800×800 layers, not the small
 * ones (why it pays: `fusedMomentum`). Small weights keep fresh outputs: the
 * steps whose peak is the update of a small net then stay as the memory model's formulas were
 * fitted to them (2·W of scratch at the update); updated in place too, those formulas
 * over-predicted small MLPs' backward pass by up to 55 % (docs/wasm-gemm.md).
 */
export const IN_PLACE_MIN_ELEMENTS = 1 << 19;

/**
 * [m·acc + g, −lr·(m·acc + g) + v] in one kernel (check `canFuseMomentum` first). With
 * `inPlace`, the caller gives `acc` and `v` up (it assigns the results to them at once): each
 * whose data nothing else shares is written in place, which saves the heap a weight-sized
 * buffer each and the update ~35 % of its time (784×800 on one thread: 0.49 → 0.27 ms for
 * both in place), since fresh outputs are first read into cache before they are written.
 * After that, `acc` and `v` must not be read.
 */
export function fusedMomentum(acc: tf.Tensor, g: tf.Tensor, v: tf.Tensor, momentum: number, lr: number, inPlace = false): [tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(MOMENTUM_KERNEL, { acc, g, v } as unknown as tf.NamedTensorMap, { momentum, scale: -lr, inPlace }) as unknown as [tf.Tensor, tf.Tensor];
}
