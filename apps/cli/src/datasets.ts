import type { Dataset } from '@feedback-lab/core';
import { blobs, spirals } from '@feedback-lab/datasets';
import { loadMnist } from '@feedback-lab/datasets/node';
import { UsageError } from './args';

export const DATASET_NAMES = ['mnist', 'spirals', 'blobs'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Opens a dataset by name; `dataDir` points MNIST-format datasets at a directory of IDX files. */
export function openDataset(name: string, o: { dataDir?: string; seed?: number }): Dataset {
  switch (name) {
    case 'mnist':
      return loadMnist({ dataDir: o.dataDir });
    case 'spirals':
      return spirals({ seed: o.seed });
    case 'blobs':
      return blobs({ seed: o.seed });
    default:
      throw new UsageError(`unknown dataset "${name}" (expected ${DATASET_NAMES.join(', ')})`);
  }
}
