import { FblError } from '@feedback-lab/core';

/** A tensor as plain data (the same shape as the trainer's `NamedArray`). */
export interface StoredArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** A decoded checkpoint: free-form JSON metadata plus named tensors. */
export interface CheckpointContent {
  meta: Record<string, unknown>;
  arrays: StoredArray[];
}

/**
 * File layout, all integers little-endian:
 *   [0, 8)    magic "FBLCKPT1"
 *   [8, 40)   SHA-256 of bytes [40, end): a torn or flipped byte anywhere fails the check
 *   [40, 44)  header length H
 *   [44, 44+H) header JSON: { format, meta, tensors: [{ name, shape, dtype, offset, bytes }] }
 *   [44+H, end) tensor data, each at its offset from the start of this section
 */
export const MAGIC = 'FBLCKPT1';
export const FORMAT_VERSION = 1;
const PREFIX = 44;
/** Limits on what a header may claim; real checkpoints are far below them. */
const MAX_TENSORS = 100_000;
const MAX_RANK = 8;
const MAX_NAME = 256;

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  bytes: number;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** Serialises a checkpoint into one buffer (see the layout above). */
export async function encodeCheckpoint(c: CheckpointContent): Promise<Uint8Array> {
  let offset = 0;
  const tensors: TensorEntry[] = c.arrays.map((a) => {
    const e = { name: a.name, shape: a.shape, dtype: a.dtype, offset, bytes: a.data.byteLength };
    offset += a.data.byteLength;
    return e;
  });
  const header = new TextEncoder().encode(JSON.stringify({ format: FORMAT_VERSION, meta: c.meta, tensors }));
  const out = new Uint8Array(PREFIX + header.length + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(40, header.length, true);
  out.set(header, PREFIX);
  c.arrays.forEach((a, i) => out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), PREFIX + header.length + tensors[i]!.offset));
  out.set(await sha256(out.subarray(40)), 8);
  return out;
}

/**
 * Parses and verifies a checkpoint buffer. Everything is checked before it is trusted: magic,
 * checksum, header length against the buffer, every tensor entry's dtype, shape, size and range.
 * Allocations are bounded by the buffer's length (tensor data is copied out, never sized from a
 * claim). Every failure is an FblError with code CHECKPOINT naming what is wrong.
 */
export async function decodeCheckpoint(buf: Uint8Array, what = 'checkpoint'): Promise<CheckpointContent> {
  const fail = (msg: string): never => {
    throw new FblError('CHECKPOINT', `${what}: ${msg}`);
  };
  if (buf.length < PREFIX) fail(`${buf.length} bytes is too short for a checkpoint (truncated?)`);
  if (new TextDecoder().decode(buf.subarray(0, 8)) !== MAGIC) fail('not a feedback-lab checkpoint (bad magic)');
  const stored = buf.subarray(8, 40);
  const actual = await sha256(buf.subarray(40));
  if (!stored.every((b, i) => b === actual[i])) fail('checksum mismatch: the file is truncated or corrupt');
  const headerLength = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(40, true);
  if (headerLength > buf.length - PREFIX) fail(`header claims ${headerLength} bytes but the file has ${buf.length - PREFIX} after the prefix`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(PREFIX, PREFIX + headerLength)));
  } catch (err) {
    fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(header)) return fail('header must be a JSON object');
  if (header.format !== FORMAT_VERSION) fail(`format version ${JSON.stringify(header.format)} is not supported (this build reads ${FORMAT_VERSION})`);
  if (!isObject(header.meta)) fail('header.meta must be an object');
  if (!Array.isArray(header.tensors) || header.tensors.length > MAX_TENSORS) fail(`header.tensors must be an array of at most ${MAX_TENSORS} entries`);
  const data = buf.subarray(PREFIX + headerLength);
  const names = new Set<string>();
  const arrays = (header.tensors as unknown[]).map((raw, i) => {
    const e = checkEntry(raw, i, data.length, fail);
    if (names.has(e.name)) fail(`tensor name "${e.name}" appears twice`);
    names.add(e.name);
    const bytes = data.slice(e.offset, e.offset + e.bytes); // a copy, at most the file's size
    const array = e.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    return { name: e.name, shape: e.shape, dtype: e.dtype, data: array };
  });
  return { meta: header.meta as Record<string, unknown>, arrays };
}

function checkEntry(raw: unknown, i: number, dataLength: number, fail: (m: string) => never): TensorEntry {
  const at = `tensors[${i}]`;
  if (!isObject(raw)) return fail(`${at} must be an object`);
  const { name, shape, dtype, offset, bytes } = raw;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) fail(`${at}.name must be a non-empty string of at most ${MAX_NAME} characters`);
  if (dtype !== 'float32' && dtype !== 'int32') fail(`${at}.dtype must be float32 or int32, got ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 2 ** 31)) {
    fail(`${at}.shape must be at most ${MAX_RANK} non-negative integers, got ${JSON.stringify(shape)?.slice(0, 80)}`);
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(bytes) || (offset as number) < 0) fail(`${at}.offset and .bytes must be non-negative integers`);
  if (count * 4 !== bytes) fail(`${at} (${String(name)}): shape [${String(shape)}] needs ${count * 4} bytes but the entry says ${String(bytes)}`);
  if ((offset as number) + (bytes as number) > dataLength) fail(`${at} (${String(name)}) runs past the end of the data (${String(offset)}+${String(bytes)} > ${dataLength})`);
  return raw as unknown as TensorEntry;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
