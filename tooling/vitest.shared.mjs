import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings. Tests import workspace packages from source through the
 * `@feedback-lab/source` export condition, so no build is needed before testing.
 * Slow tests are tagged with `.slow.test.ts` and run only with FBL_SLOW=1.
 */
/** @param {{ slow?: boolean }} [opts] */
export function sharedConfig(opts = {}) {
  const slow = opts.slow ?? process.env.FBL_SLOW === '1';
  return defineConfig({
    resolve: { conditions: ['@feedback-lab/source'] },
    ssr: { resolve: { conditions: ['@feedback-lab/source'], externalConditions: ['@feedback-lab/source'] } },
    test: {
      include: ['src/**/*.test.ts'],
      exclude: slow ? [] : ['src/**/*.slow.test.ts'],
      testTimeout: 300_000, // real-data tests on a shared 2-core CI machine
      hookTimeout: 300_000,
      pool: 'forks',
      fileParallelism: false,
    },
  });
}
