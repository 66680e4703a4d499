import { FblError } from '@feedback-lab/core';

/**
 * Reads the regular files of a (ustar or GNU) tar archive: enough to unpack the official
 * CIFAR-10 archive without a dependency. Returns name → contents (views on `buf`).
 */
export function readTar(buf: Uint8Array, what = 'tar archive'): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (from: number, len: number) => {
    let end = from;
    while (end < from + len && buf[end] !== 0) end++;
    return new TextDecoder().decode(buf.subarray(from, end));
  };
  let off = 0;
  while (off + 512 <= buf.length) {
    if (buf.subarray(off, off + 512).every((b) => b === 0)) break; // end-of-archive marker
    const name = text(off, 100);
    const sizeText = text(off + 124, 12).trim();
    const size = parseInt(sizeText, 8);
    if (!Number.isFinite(size) || size < 0) throw new FblError('DATA_FORMAT', `${what}: bad size field ${JSON.stringify(sizeText)} for entry ${JSON.stringify(name)}`);
    const type = String.fromCharCode(buf[off + 156]!);
    const prefix = text(off + 345, 155);
    const start = off + 512;
    if (start + size > buf.length) throw new FblError('DATA_FORMAT', `${what}: entry ${JSON.stringify(name)} is truncated (${size} bytes declared, ${buf.length - start} left)`);
    if (type === '0' || type === '\0') files.set(prefix ? `${prefix}/${name}` : name, buf.subarray(start, start + size));
    off = start + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Builds a tar archive of regular files (used for fixtures). */
export function writeTar(files: Iterable<[string, Uint8Array]>): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const [name, data] of files) {
    const h = new Uint8Array(512);
    h.set(enc.encode(name).subarray(0, 100), 0);
    h.set(enc.encode('0000644\0'), 100);
    h.set(enc.encode(data.length.toString(8).padStart(11, '0') + '\0'), 124);
    h.set(enc.encode('00000000000\0'), 136);
    h[156] = '0'.charCodeAt(0);
    h.set(enc.encode('ustar\x0000'), 257);
    h.fill(32, 148, 156); // checksum is computed with its own field as spaces
    const sum = h.reduce((s, b) => s + b, 0);
    h.set(enc.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
    parts.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
