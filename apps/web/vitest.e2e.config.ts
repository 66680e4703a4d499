import { defineConfig } from 'vitest/config';

/** The browser end-to-end test: runs against dist/ (build first), one file, no parallelism. */
export default defineConfig({
  resolve: { conditions: ['@feedback-lab/source'] },
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 150_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
