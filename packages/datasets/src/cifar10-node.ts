import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FblError, type Dataset } from '@feedback-lab/core';
import { CIFAR10_FILES, cifar10FromBatches } from './cifar10';
import { readDataFile } from './read-file';
import { readTar } from './tar';

/** The official archive (binary version) and its published MD5. */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const SUBDIR = 'cifar-10-batches-bin';
const ALL_FILES = [...CIFAR10_FILES.train, CIFAR10_FILES.test];

export interface LoadCifar10Options {
  /** Directory with the six .bin files, directly or in `cifar-10-batches-bin/`. */
  dataDir: string;
  /** When the files are missing, download the official archive, verify it and unpack it into `dataDir`. */
  download?: boolean;
  normalize?: boolean;
  /** Accept batches of any whole number of records (fixtures); default false. */
  lenient?: boolean;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
  url?: string;
  md5?: string;
  /** Where download progress goes (one line per event). */
  log?: (line: string) => void;
}

function findDir(dataDir: string): string | undefined {
  for (const dir of [dataDir, join(dataDir, SUBDIR)]) {
    if (ALL_FILES.every((f) => existsSync(join(dir, f)))) return dir;
  }
  return undefined;
}

function missingMessage(dataDir: string, o: LoadCifar10Options): string {
  return `CIFAR-10 binary files not found in ${dataDir} (nor in ${join(dataDir, SUBDIR)}): put ${ALL_FILES.join(', ')} there ` +
    `(unpack ${o.url ?? CIFAR10_URL}, md5 ${o.md5 ?? CIFAR10_MD5}), or pass --download to fetch and verify it`;
}

/**
 * Downloads the official archive, checks its MD5, and unpacks the six batches into
 * `dataDir/cifar-10-batches-bin/` (written to a temporary name first, so an interrupted download
 * never leaves a half-written cache). Offline, it fails with a message saying where to put the files.
 */
export async function downloadCifar10(o: LoadCifar10Options): Promise<string> {
  const url = o.url ?? CIFAR10_URL;
  const fetcher = o.fetch ?? (globalThis.fetch as unknown as NonNullable<LoadCifar10Options['fetch']>);
  o.log?.(`downloading ${url} …`);
  let body: Uint8Array;
  try {
    const res = await fetcher(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new FblError('DATA_MISSING', `could not download ${url} (${(err as Error).message}); offline? ${missingMessage(o.dataDir, o)}`, { cause: err });
  }
  const md5 = createHash('md5').update(body).digest('hex');
  if (md5 !== (o.md5 ?? CIFAR10_MD5)) {
    throw new FblError('DATA_FORMAT', `${url}: checksum mismatch (md5 ${md5}, expected ${o.md5 ?? CIFAR10_MD5}); the download is corrupt or not the official archive`);
  }
  let tar: Uint8Array;
  try {
    tar = new Uint8Array(gunzipSync(body));
  } catch (err) {
    throw new FblError('DATA_FORMAT', `${url}: not a gzip archive (${(err as Error).message})`);
  }
  const entries = readTar(tar, url);
  const dir = join(o.dataDir, SUBDIR);
  mkdirSync(dir, { recursive: true });
  for (const f of ALL_FILES) {
    const data = entries.get(`${SUBDIR}/${f}`) ?? entries.get(f);
    if (!data) throw new FblError('DATA_FORMAT', `${url}: archive has no ${SUBDIR}/${f}`);
    const tmp = join(dir, `${f}.part`);
    writeFileSync(tmp, data);
    renameSync(tmp, join(dir, f));
  }
  o.log?.(`verified (md5 ${md5}) and unpacked to ${dir}`);
  return dir;
}

/**
 * Loads CIFAR-10 from the official binary batches in `dataDir`, downloading them first when
 * asked to and they are missing.
 *
 * @example
 * const ds = await loadCifar10({ dataDir: './data/cifar10', download: true, normalize: true });
 */
export async function loadCifar10(o: LoadCifar10Options): Promise<Dataset> {
  let dir = findDir(o.dataDir);
  if (!dir) {
    if (!o.download) throw new FblError('DATA_MISSING', missingMessage(o.dataDir, o));
    dir = await downloadCifar10(o);
  }
  const read = (f: string) => readDataFile(join(dir, f));
  return cifar10FromBatches(
    { train: CIFAR10_FILES.train.map(read), test: read(CIFAR10_FILES.test) },
    { strict: !o.lenient, normalize: o.normalize },
  );
}
