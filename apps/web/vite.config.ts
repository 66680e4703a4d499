import { defaultClientConditions, defineConfig } from 'vite';

// Workspace packages are imported from their TypeScript sources through the
// `@feedback-lab/source` export condition, so the app needs no package build first.
const conditions = ['@feedback-lab/source', ...defaultClientConditions];

export default defineConfig({
  resolve: { conditions },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // The MNIST IDX files (≈55 MB) are copied as assets; keep them out of any inlining.
    assetsInlineLimit: (file) => (file.includes('idx') || file.endsWith('.wasm') ? false : undefined),
    chunkSizeWarningLimit: 2500,
  },
  server: { port: 5173 },
  preview: { port: 4173 },
});
