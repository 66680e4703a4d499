import { defaultClientConditions, defineConfig } from 'vite';
import { datasetFiles } from './vite-plugin-mnist.ts';
import { ISOLATION_HEADERS, isolationHeadersFile } from './isolation.ts';

// Workspace packages are imported from their TypeScript sources through the
// `@feedback-lab/source` export condition, so the app needs no package build first.
const conditions = ['@feedback-lab/source', ...defaultClientConditions];

export default defineConfig({
  resolve: { conditions },
  plugins: [datasetFiles(), isolationHeadersFile()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // Never inline the wasm binaries as data: URLs; tfjs fetches them by URL.
    assetsInlineLimit: (file) => (file.endsWith('.wasm') ? false : undefined),
    chunkSizeWarningLimit: 2500,
  },
  // Cross-origin isolation, for wasm threads (src/worker/wasm-threads.ts).
  server: { port: 5173, headers: ISOLATION_HEADERS },
  preview: { port: 4173, headers: ISOLATION_HEADERS },
});
