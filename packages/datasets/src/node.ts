// The Node entry (`@feedback-lab/datasets/node`): loaders that read files. It only re-exports,
// so the loaders can share helpers (readDataFile, loadMnist) without importing this entry.
export { MAX_FILE_BYTES, readDataFile } from './read-file';
export { bundledMnistDir, loadMnist } from './mnist-node';
export { loadFashionMnist, splitFashion, defaultCacheDir, FASHION_SPLIT_SEED, type FashionOptions } from './fashion';
export { loadCifar10, downloadCifar10, CIFAR10_URL, CIFAR10_MD5, type LoadCifar10Options } from './cifar10-node';
