import { defineConfig } from 'vitest/config';

/** The browser end-to-end test: runs against dist/ (build first), one file, no parallelism. */
export default defineConfig({
  resolve: { conditions: ['@feedback-lab/source'] },
  // the test file runs in Node (vite's SSR environment): workspace packages from source there too
  ssr: { resolve: { conditions: ['@feedback-lab/source'], externalConditions: ['@feedback-lab/source'] } },
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 150_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
