import { describe, expect, it } from 'vitest';
import { FblError } from '@feedback-lab/core';
import { encodeIdx, parseIdx } from './idx';

const good = () => encodeIdx([3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i));

function expectFormatError(buf: Uint8Array, pattern: RegExp) {
  let err: unknown;
  try {
    parseIdx(buf, 'test file');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FblError);
  expect((err as FblError).code).toBe('DATA_FORMAT');
  expect((err as FblError).message).toMatch(pattern);
}

describe('parseIdx', () => {
  it('round-trips dimensions and data without copying', () => {
    const buf = good();
    const a = parseIdx(buf);
    expect(a.dims).toEqual([3, 2, 2]);
    expect(Array.from(a.data)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(a.data.buffer).toBe(buf.buffer);
  });

  it('rejects a bad magic number (e.g. a gzip file)', () => {
    expectFormatError(Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), /bad magic.*gzip/);
  });

  it('rejects unsupported element types and ranks', () => {
    const b = good();
    b[2] = 0x0d;
    expectFormatError(b, /element type float is not supported/);
    const c = good();
    c[3] = 9;
    expectFormatError(c, /rank 9/);
    const d = good();
    d[3] = 0;
    expectFormatError(d, /rank 0/);
  });

  it('rejects truncated headers and truncated data', () => {
    expectFormatError(good().subarray(0, 3), /too short/);
    expectFormatError(good().subarray(0, 10), /truncated header/);
    expectFormatError(good().subarray(0, good().length - 1), /claims .* 12 bytes of data but the file has 11/);
  });

  it('refuses a header claiming more data than the file holds, without allocating it', () => {
    const b = good();
    new DataView(b.buffer).setUint32(4, 0xffffffff, false); // N = 4 294 967 295
    const t0 = performance.now();
    expectFormatError(b, /claims 4294967295×2×2 = 17179869180 bytes/);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('rejects zero dimensions and trailing garbage', () => {
    const b = good();
    new DataView(b.buffer).setUint32(8, 0, false);
    expectFormatError(b, /dimension 1 is 0/);
    const c = new Uint8Array(good().length + 3);
    c.set(good());
    expectFormatError(c, /3 unexpected trailing bytes/);
  });
});
