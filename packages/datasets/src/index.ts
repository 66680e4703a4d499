export { parseIdx, encodeIdx, type IdxArray } from './idx';
export { arrayDataset, channelStats, channelsOf, normalizationOf, type ArrayDatasetOptions, type ChannelStats, type SplitData } from './array-dataset';
export { mnistFromIdx, MNIST_FILES, type MnistBuffers } from './mnist';
export { spirals, blobs, type SyntheticOptions } from './synthetic';
export { cifar10FromBatches, parseCifarBatch, CIFAR10_FILES, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES, type CifarBuffers } from './cifar10';
export { readTar, writeTar } from './tar';
