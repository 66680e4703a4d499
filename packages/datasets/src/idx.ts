import { FblError } from '@feedback-lab/core';

/** A parsed IDX array: dimensions and the raw unsigned bytes, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x08: 'ubyte', 0x09: 'byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

/**
 * Parses an IDX file (the format of the MNIST distribution: magic 0x0000, a type byte, a rank
 * byte, one big-endian uint32 per dimension, then the data). Only unsigned bytes are accepted.
 * The header is checked against the buffer's length before anything is allocated, so a header
 * that claims more data than the file holds is refused instead of trusted. The returned data
 * is a view on `buf`, not a copy.
 *
 * @param what names the file in error messages.
 */
export function parseIdx(buf: Uint8Array, what = 'IDX file'): IdxArray {
  if (buf.length < 4) throw new FblError('DATA_FORMAT', `${what}: ${buf.length} bytes is too short for an IDX header`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new FblError('DATA_FORMAT', `${what}: bad magic number 0x${hex(buf[0]!)}${hex(buf[1]!)} (expected 0x0000; is it gzipped or not an IDX file?)`);
  }
  const type = buf[2]!;
  if (type !== UBYTE) {
    const name = TYPE_NAMES[type];
    throw new FblError('DATA_FORMAT', `${what}: ${name ? `element type ${name} is not supported` : `unknown element type 0x${hex(type)}`} (only ubyte, 0x08)`);
  }
  const rank = buf[3]!;
  if (rank < 1 || rank > 4) throw new FblError('DATA_FORMAT', `${what}: rank ${rank} is not supported (1 to 4)`);
  const headerBytes = 4 + 4 * rank;
  if (buf.length < headerBytes) throw new FblError('DATA_FORMAT', `${what}: truncated header (${buf.length} bytes, need ${headerBytes} for rank ${rank})`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) throw new FblError('DATA_FORMAT', `${what}: dimension ${i} is 0`);
    dims.push(d);
    count *= d; // exact in float64 up to 2^53; compared against the file length below
  }
  const available = buf.length - headerBytes;
  if (count > available) {
    throw new FblError('DATA_FORMAT', `${what}: header claims ${dims.join('×')} = ${count} bytes of data but the file has ${available} (truncated or corrupt)`);
  }
  if (count < available) {
    throw new FblError('DATA_FORMAT', `${what}: ${available - count} unexpected trailing bytes after ${dims.join('×')} data`);
  }
  return { dims, data: buf.subarray(headerBytes) };
}

/** Builds an IDX ubyte buffer; used for fixtures and for writing subsets. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
