import { MNIST_FILES, mnistFromIdx, type MnistBuffers } from '@feedback-lab/datasets';
import type { Dataset } from '@feedback-lab/core';
import { isDatasetName, type DatasetName } from '../presets';

/** Where vite-plugin-mnist serves a dataset's gzipped IDX files (dev and build). */
function idxUrl(dataset: DatasetName, file: string): string {
  return `${import.meta.env.BASE_URL}${dataset}/${file}.gz`;
}

/**
 * Inflates gzip bytes with the browser's DecompressionStream. Bytes without the gzip magic are
 * returned as they are: a server that sent them with `Content-Encoding: gzip` had the browser
 * inflate them already.
 */
export async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export type Fetch = (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/**
 * Fetches a dataset's four gzipped IDX files (MNIST or Fashion-MNIST: ≈11 MB; 55 MB inflated,
 * kept as bytes) and builds the dataset.
 */
export async function loadDataset(name: DatasetName, fetchFn: Fetch = (u) => fetch(u)): Promise<Dataset> {
  if (!isDatasetName(name)) throw new Error(`unknown dataset "${String(name)}"`);
  const entries = await Promise.all(
    Object.entries(MNIST_FILES).map(async ([key, file]) => {
      const url = idxUrl(name, file);
      const res = await fetchFn(url);
      if (!res.ok) throw new Error(`could not load ${file} from ${url}: HTTP ${res.status}`);
      return [key, await gunzip(new Uint8Array(await res.arrayBuffer()))] as const;
    }),
  );
  return mnistFromIdx(Object.fromEntries(entries) as MnistBuffers, name);
}
