export { parseIdx, encodeIdx, type IdxArray } from './idx';
export { arrayDataset, type ArrayDatasetOptions, type SplitData } from './array-dataset';
export { mnistFromIdx, MNIST_FILES, type MnistBuffers } from './mnist';
export { spirals, blobs, type SyntheticOptions } from './synthetic';
