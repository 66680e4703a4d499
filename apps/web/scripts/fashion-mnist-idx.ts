// Run by vite-plugin-mnist.ts at build time (node --conditions=@feedback-lab/source --import tsx):
// makes sure @feedback-lab/datasets has cached Fashion-MNIST's documented split as IDX files
// and prints their directory, so the app trains on the same train/test sets as `fbl train`.
import { join } from 'node:path';
import { defaultCacheDir, loadFashionMnist } from '@feedback-lab/datasets/node';

const cacheDir = defaultCacheDir();
loadFashionMnist({ cacheDir, log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(join(cacheDir, 'fashion-mnist-v1'));
