import type { Dataset } from '@feedback-lab/core';
import { blobs, spirals } from '@feedback-lab/datasets';
import { loadCifar10, loadFashionMnist, loadMnist } from '@feedback-lab/datasets/node';
import { UsageError } from './args';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10', 'spirals', 'blobs'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface DatasetOptions {
  /** MNIST-format IDX files for mnist; the CIFAR-10 binary batches for cifar10. */
  dataDir?: string;
  seed?: number;
  /** cifar10: download and verify the official archive into dataDir when missing. */
  download?: boolean;
  /** Per-channel standardisation with train-split statistics. */
  normalize?: boolean;
  log?: (line: string) => void;
}

/** Opens a dataset by name. */
export async function openDataset(name: string, o: DatasetOptions): Promise<Dataset> {
  switch (name) {
    case 'mnist':
      return loadMnist({ dataDir: o.dataDir, normalize: o.normalize });
    case 'fashion-mnist':
      if (o.dataDir) return loadMnist({ dataDir: o.dataDir, name: 'fashion-mnist', normalize: o.normalize });
      return loadFashionMnist({ normalize: o.normalize, log: o.log });
    case 'cifar10':
      if (!o.dataDir) throw new UsageError('cifar10 needs --data-dir DIR (the official binary batches, or an empty directory with --download)');
      return loadCifar10({ dataDir: o.dataDir, download: o.download, normalize: o.normalize, log: o.log });
    case 'spirals':
      return spirals({ seed: o.seed });
    case 'blobs':
      return blobs({ seed: o.seed });
    default:
      throw new UsageError(`unknown dataset "${name}" (expected ${DATASET_NAMES.join(', ')})`);
  }
}
