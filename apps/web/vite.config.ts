import { defaultClientConditions, defineConfig } from 'vite';
import { datasetFiles } from './vite-plugin-mnist.ts';

// Workspace packages are imported from their TypeScript sources through the
// `@feedback-lab/source` export condition, so the app needs no package build first.
const conditions = ['@feedback-lab/source', ...defaultClientConditions];

export default defineConfig({
  resolve: { conditions },
  plugins: [datasetFiles()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // Never inline the wasm binaries as data: URLs; tfjs fetches them by URL.
    assetsInlineLimit: (file) => (file.endsWith('.wasm') ? false : undefined),
    chunkSizeWarningLimit: 2500,
  },
  server: { port: 5173 },
  preview: { port: 4173 },
});
