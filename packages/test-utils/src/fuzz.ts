import { createRng, FblError, type FblErrorCode, type Rng } from '@feedback-lab/core';

/** One generated input and the name of the mutation that made it. */
export interface FuzzCase {
  kind: string;
  bytes: Uint8Array;
}

export interface FuzzOptions {
  /** Seed of the generator: a failure names it and the case index, so it can be replayed. */
  seed: number;
  /** How many inputs (the issue asks for at least 1 000 per parser). */
  cases: number;
  /** Builds case `i`; `rng` is seeded from (seed, i). */
  generate(rng: Rng, i: number): FuzzCase;
  /** The parser under test; it may accept the input or throw. */
  parse(bytes: Uint8Array): unknown;
  /** Error codes a rejection may carry (default: any FblError code). */
  codes?: readonly FblErrorCode[];
  /** Wall-clock bound per case, ms (default 1 000). */
  timeBoundMs?: number;
  /** Most new array-buffer bytes a case may leave allocated, given the input size (default 4× + 1 MiB). */
  allocBound?: (inputBytes: number) => number;
}

export interface FuzzReport {
  cases: number;
  accepted: number;
  rejected: number;
  /** Rejections by error code. */
  codes: Record<string, number>;
  /** Cases per mutation kind. */
  kinds: Record<string, number>;
  maxMs: number;
  maxAllocBytes: number;
}

/**
 * Feeds seeded generated inputs to a parser and checks each ends in acceptance or a typed
 * FblError (never another exception), within a time bound and without allocating more than the
 * input justifies. Throws on the first violation with the seed and case index to replay it.
 */
export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const r: FuzzReport = { cases: 0, accepted: 0, rejected: 0, codes: {}, kinds: {}, maxMs: 0, maxAllocBytes: 0 };
  const bound = o.allocBound ?? ((n: number) => 4 * n + 2 ** 20);
  for (let i = 0; i < o.cases; i++) {
    const c = o.generate(createRng((o.seed * 1_000_003 + i) >>> 0), i);
    const where = `fuzz seed ${o.seed} case ${i} (${c.kind}, ${c.bytes.length} bytes)`;
    const mem0 = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    try {
      await o.parse(c.bytes);
      r.accepted++;
    } catch (err) {
      if (!(err instanceof FblError)) throw new Error(`${where}: threw ${String(err)} instead of an FblError`, { cause: err });
      if (o.codes && !o.codes.includes(err.code)) throw new Error(`${where}: FblError code ${err.code}, expected ${o.codes.join('/')}: ${err.message}`);
      if (err.message.includes('\n')) throw new Error(`${where}: error message is not one line: ${JSON.stringify(err.message)}`);
      r.rejected++;
      r.codes[err.code] = (r.codes[err.code] ?? 0) + 1;
    }
    const ms = performance.now() - t0;
    const alloc = process.memoryUsage().arrayBuffers - mem0;
    if (ms > (o.timeBoundMs ?? 1000)) throw new Error(`${where}: took ${ms.toFixed(0)} ms`);
    if (alloc > bound(c.bytes.length)) throw new Error(`${where}: allocated ${alloc} bytes for a ${c.bytes.length}-byte input`);
    r.cases++;
    r.kinds[c.kind] = (r.kinds[c.kind] ?? 0) + 1;
    r.maxMs = Math.max(r.maxMs, ms);
    r.maxAllocBytes = Math.max(r.maxAllocBytes, alloc);
  }
  return r;
}

/** Generic byte mutations of a valid input: the building blocks of a generator. */
export const mutate = {
  random: (rng: Rng, maxLen: number) => Uint8Array.from({ length: rng.int(maxLen + 1) }, () => rng.int(256)),
  truncate: (rng: Rng, valid: Uint8Array) => valid.slice(0, rng.int(valid.length)),
  flipBytes: (rng: Rng, valid: Uint8Array, n = 1 + rng.int(4)) => {
    const out = valid.slice();
    for (let k = 0; k < n; k++) out[rng.int(out.length)] = rng.int(256);
    return out;
  },
  appendJunk: (rng: Rng, valid: Uint8Array) => {
    const out = new Uint8Array(valid.length + 1 + rng.int(64));
    out.set(valid);
    for (let k = valid.length; k < out.length; k++) out[k] = rng.int(256);
    return out;
  },
  /** Overwrites a big-endian or little-endian uint32 at `offset` with a hostile value. */
  setUint32: (rng: Rng, valid: Uint8Array, offset: number, littleEndian = false) => {
    const out = valid.slice();
    const values = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 2 ** 16, rng.int(2 ** 32)];
    if (offset + 4 <= out.length) new DataView(out.buffer).setUint32(offset, values[rng.int(values.length)]!, littleEndian);
    return out;
  },
};

/** Summary line for logs: "1000 cases: 3 accepted, 997 rejected (DATA_FORMAT 997), max 2.1 ms". */
export function describeFuzz(name: string, r: FuzzReport): string {
  const codes = Object.entries(r.codes).map(([k, v]) => `${k} ${v}`).join(', ');
  return `fuzz ${name}: ${r.cases} cases, ${r.accepted} accepted, ${r.rejected} rejected (${codes}), max ${r.maxMs.toFixed(1)} ms, max alloc ${(r.maxAllocBytes / 1024).toFixed(0)} KiB`;
}
