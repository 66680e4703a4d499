import { FblError, type Dataset } from '@feedback-lab/core';
import { arrayDataset, channelStats } from './array-dataset';
import { parseIdx } from './idx';

/** The four files of an MNIST-format dataset (MNIST, Fashion-MNIST, EMNIST digits…). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistBuffers = Record<keyof typeof MNIST_FILES, Uint8Array>;

/**
 * Builds an MNIST-format dataset (28×28 greyscale, 10 classes) from the raw IDX buffers,
 * checking that images and labels agree. Works anywhere the buffers come from (fs, fetch).
 * `normalize` standardises pixels with the train split's mean and std.
 */
export function mnistFromIdx(bufs: MnistBuffers, name = 'mnist', o: { normalize?: boolean } = {}): Dataset {
  const split = (imgs: Uint8Array, lbls: Uint8Array, which: string) => {
    const im = parseIdx(imgs, `${name} ${which} images`);
    const lb = parseIdx(lbls, `${name} ${which} labels`);
    if (im.dims.length !== 3) throw new FblError('DATA_FORMAT', `${name} ${which} images: expected 3 dimensions (N×rows×cols), got ${im.dims.length}`);
    if (lb.dims.length !== 1) throw new FblError('DATA_FORMAT', `${name} ${which} labels: expected 1 dimension, got ${lb.dims.length}`);
    if (im.dims[1] !== 28 || im.dims[2] !== 28) throw new FblError('DATA_FORMAT', `${name} ${which} images: expected 28×28, got ${im.dims[1]}×${im.dims[2]}`);
    if (im.dims[0] !== lb.dims[0]) {
      throw new FblError('DATA_FORMAT', `${name} ${which}: ${im.dims[0]} images but ${lb.dims[0]} labels`);
    }
    return { features: im.data, labels: lb.data };
  };
  const train = split(bufs.trainImages, bufs.trainLabels, 'train');
  return arrayDataset({
    name,
    inputShape: [784],
    numClasses: 10,
    train,
    test: split(bufs.testImages, bufs.testLabels, 'test'),
    normalize: o.normalize ? channelStats(train.features, 1, 1 / 255) : undefined,
  });
}
