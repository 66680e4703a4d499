import { CIFAR10_FILES, parseCifarBatch, type CifarBuffers } from '@feedback-lab/datasets';

/** A file the user picked or dropped, as the page sends it to the worker. */
export interface PickedFile {
  name: string;
  bytes: ArrayBuffer;
}

// Also in cifar-10-binary.tar.gz; ignored so the whole extracted folder can be dropped.
const EXTRAS = new Set(['batches.meta.txt', 'readme.html']);
const TRAIN = /^data_batch_(\d+)\.bin$/;

/**
 * Sorts picked files into CIFAR-10's train batches (by number) and test batch, by their official
 * names, and checks each file's bytes here, so an error names the file the user picked
 * (`cifar10FromBatches` would name a batch by its position).
 */
export function cifarBuffers(files: readonly PickedFile[]): CifarBuffers {
  const train: { n: number; bytes: Uint8Array }[] = [];
  let test: Uint8Array | undefined;
  for (const f of files) {
    const m = TRAIN.exec(f.name);
    if (m || f.name === CIFAR10_FILES.test) parseCifarBatch(new Uint8Array(f.bytes), f.name);
    if (m) train.push({ n: Number(m[1]), bytes: new Uint8Array(f.bytes) });
    else if (f.name === CIFAR10_FILES.test) test = new Uint8Array(f.bytes);
    else if (!EXTRAS.has(f.name)) {
      throw new Error(`${f.name} is not a CIFAR-10 binary batch: pick data_batch_1.bin … data_batch_5.bin and test_batch.bin from cifar-10-binary.tar.gz`);
    }
  }
  if (!train.length) throw new Error('no CIFAR-10 training batch picked: add at least one data_batch_N.bin (with test_batch.bin)');
  if (!test) throw new Error('no CIFAR-10 test batch picked: add test_batch.bin (with the data_batch_N.bin files)');
  return { train: train.sort((a, b) => a.n - b.n).map((t) => t.bytes), test };
}
